// Authorization Code with PKCE helpers and the user-token file.
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "moodtune/music/spotify.h"
#include "provider_http.h"

namespace moodtune::music {
using internal::HttpError;
using internal::ParseJsonObject;
using internal::Str;

std::string PkceChallenge(std::string_view verifier) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(verifier.data()), verifier.size(), digest);
  return Base64Url(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

Result<Pkce> MakePkce() {
  unsigned char bytes[64];
  if (RAND_bytes(bytes, sizeof bytes) != 1) return Status::Internal("RAND_bytes failed");
  Pkce p;
  p.verifier = Base64Url(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
  p.challenge = PkceChallenge(p.verifier);
  return p;
}

std::string SpotifyAuthorizeUrl(const SpotifyOptions& o, std::string_view client_id,
                                std::string_view redirect_uri, std::string_view challenge,
                                std::string_view state) {
  return o.accounts_base + "/authorize?" +
         FormEncode({{"client_id", std::string(client_id)},
                     {"response_type", "code"},
                     {"redirect_uri", std::string(redirect_uri)},
                     {"code_challenge_method", "S256"},
                     {"code_challenge", std::string(challenge)},
                     {"scope", o.scopes},
                     {"state", std::string(state)}});
}

Result<SpotifyUserToken> ExchangeSpotifyCode(HttpClient& http, const SpotifyOptions& o,
                                             std::string_view client_id, std::string_view code,
                                             std::string_view verifier,
                                             std::string_view redirect_uri,
                                             std::int64_t now_unix, Millis timeout) {
  HttpRequest req;
  req.method = "POST";
  req.url = o.accounts_base + "/api/token";
  req.content_type = "application/x-www-form-urlencoded";
  req.body = FormEncode({{"grant_type", "authorization_code"},
                         {"code", std::string(code)},
                         {"redirect_uri", std::string(redirect_uri)},
                         {"client_id", std::string(client_id)},
                         {"code_verifier", std::string(verifier)}});
  auto r = http.Send(req, timeout);
  if (!r.ok()) return Status(r.status().code(), "spotify login: " + r.status().message());
  if (r->status != 200) return HttpError("spotify login", *r);
  auto j = ParseJsonObject("spotify login", r->body);
  if (!j.ok()) return j.status();
  SpotifyUserToken t;
  t.access_token = Str(*j, "access_token");
  t.refresh_token = Str(*j, "refresh_token");
  if (t.access_token.empty()) return Status::Unavailable("spotify login: no access_token");
  if (auto e = j->find("expires_in"); e != j->end() && e->is_number_integer())
    t.expires_at_unix = now_unix + e->get<std::int64_t>();
  return t;
}

Result<SpotifyUserToken> LoadSpotifyUserToken(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::NotFound("no Spotify user token at " + path);
  std::stringstream buf;
  buf << in.rdbuf();
  auto j = ParseJsonObject("token file", buf.str());
  if (!j.ok()) return Status::InvalidArgument(path + ": not a token file");
  SpotifyUserToken t;
  t.access_token = Str(*j, "access_token");
  t.refresh_token = Str(*j, "refresh_token");
  if (auto e = j->find("expires_at"); e != j->end() && e->is_number_integer())
    t.expires_at_unix = e->get<std::int64_t>();
  if (t.access_token.empty()) return Status::InvalidArgument(path + ": no access_token");
  return t;
}

Status SaveSpotifyUserToken(const std::string& path, const SpotifyUserToken& t) {
  std::error_code ec;
  const auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  // Created with mode 0600, so the token is never readable by others, not even briefly.
  const std::string tmp = path + ".tmp";
  const std::string text = nlohmann::json{{"access_token", t.access_token},
                                          {"refresh_token", t.refresh_token},
                                          {"expires_at", t.expires_at_unix}}
                               .dump(2) + "\n";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, S_IRUSR | S_IWUSR);
  if (fd < 0) return Status::Unavailable("cannot write " + tmp);
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  if (!ok) return Status::Unavailable("cannot write " + tmp);
  std::filesystem::rename(tmp, path, ec);
  if (ec) return Status::Unavailable("cannot move token file into place: " + ec.message());
  return Status::Ok();
}

}  // namespace moodtune::music
