#include "moodtune/music/provider_config.h"

#include <charconv>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace moodtune::music {
using nlohmann::json;

namespace {

std::string ConfigDir(const GetEnvFn& getenv) {
  if (const char* x = getenv("XDG_CONFIG_HOME"); x && *x) return std::string(x) + "/moodtune";
  if (const char* h = getenv("HOME"); h && *h) return std::string(h) + "/.config/moodtune";
  return "";
}

Status SetBase(std::string* dst, std::string value, std::string_view what) {
  while (!value.empty() && value.back() == '/') value.pop_back();
  if (!SplitUrl(value).ok())
    return Status::InvalidArgument(std::string(what) + " must be an http(s) URL");
  *dst = std::move(value);
  return Status::Ok();
}

Status ReadString(const json& obj, const char* key, std::string* dst, std::string_view where) {
  auto it = obj.find(key);
  if (it == obj.end()) return Status::Ok();
  if (!it->is_string())
    return Status::InvalidArgument(std::string(where) + "." + key + " must be a string");
  *dst = it->get<std::string>();
  return Status::Ok();
}

Status ReadPlaylists(const json& obj, std::map<Emotion, std::string>* dst,
                     std::string_view where) {
  auto it = obj.find("playlists");
  if (it == obj.end()) return Status::Ok();
  if (!it->is_object())
    return Status::InvalidArgument(std::string(where) + ".playlists must be an object");
  for (const auto& [name, id] : it->items()) {
    auto e = ParseEmotion(name);
    if (!e || !id.is_string())
      return Status::InvalidArgument(std::string(where) + ".playlists: bad entry '" + name + "'");
    (*dst)[*e] = id.get<std::string>();
  }
  return Status::Ok();
}

Result<int> ReadInt(const json& obj, const char* key, int fallback, std::string_view where) {
  auto it = obj.find(key);
  if (it == obj.end()) return fallback;
  if (!it->is_number_integer() || it->get<long long>() < 0)
    return Status::InvalidArgument(std::string(where) + "." + key +
                                   " must be a non-negative integer");
  return static_cast<int>(it->get<long long>());
}

}  // namespace

std::string DefaultConfigPath(const GetEnvFn& getenv) {
  if (const char* p = getenv("MOODTUNE_CONFIG"); p && *p) return p;
  const std::string dir = ConfigDir(getenv);
  return dir.empty() ? "moodtune.json" : dir + "/config.json";
}

std::string DefaultSpotifyTokenPath(const GetEnvFn& getenv) {
  const std::string dir = ConfigDir(getenv);
  return dir.empty() ? "spotify_token.json" : dir + "/spotify_token.json";
}

Result<ProviderConfig> ParseProviderConfig(std::string_view text, const GetEnvFn& getenv) {
  ProviderConfig c;
  c.spotify_token_path = DefaultSpotifyTokenPath(getenv);
  if (!text.empty()) {
    json j = json::parse(text.begin(), text.end(), nullptr, false);
    if (j.is_discarded() || !j.is_object())
      return Status::InvalidArgument("config: not a JSON object");
    if (auto p = j.find("providers"); p != j.end()) {
      if (!p->is_object()) return Status::InvalidArgument("config: providers must be an object");
      auto budget = ReadInt(*p, "budget_ms", static_cast<int>(c.live.budget.count()), "providers");
      if (!budget.ok()) return budget.status();
      c.live.budget = Millis(*budget);
      auto ttl = ReadInt(*p, "cache_ttl_s", static_cast<int>(c.live.cache_ttl.count()), "providers");
      if (!ttl.ok()) return ttl.status();
      c.live.cache_ttl = std::chrono::seconds(*ttl);
    }
    if (auto s = j.find("spotify"); s != j.end()) {
      if (!s->is_object()) return Status::InvalidArgument("config: spotify must be an object");
      MOODTUNE_RETURN_IF_ERROR(ReadString(*s, "client_id", &c.spotify_credentials.client_id, "spotify"));
      MOODTUNE_RETURN_IF_ERROR(
          ReadString(*s, "client_secret", &c.spotify_credentials.client_secret, "spotify"));
      MOODTUNE_RETURN_IF_ERROR(ReadString(*s, "market", &c.spotify.market, "spotify"));
      MOODTUNE_RETURN_IF_ERROR(ReadString(*s, "token_path", &c.spotify_token_path, "spotify"));
      std::string base;
      MOODTUNE_RETURN_IF_ERROR(ReadString(*s, "api_base", &base, "spotify"));
      if (!base.empty()) MOODTUNE_RETURN_IF_ERROR(SetBase(&c.spotify.api_base, base, "spotify.api_base"));
      base.clear();
      MOODTUNE_RETURN_IF_ERROR(ReadString(*s, "accounts_base", &base, "spotify"));
      if (!base.empty())
        MOODTUNE_RETURN_IF_ERROR(SetBase(&c.spotify.accounts_base, base, "spotify.accounts_base"));
      auto port = ReadInt(*s, "redirect_port", c.spotify.redirect_port, "spotify");
      if (!port.ok()) return port.status();
      c.spotify.redirect_port = *port;
      MOODTUNE_RETURN_IF_ERROR(ReadPlaylists(*s, &c.spotify.playlists, "spotify"));
    }
    if (auto d = j.find("deezer"); d != j.end()) {
      if (!d->is_object()) return Status::InvalidArgument("config: deezer must be an object");
      std::string base;
      MOODTUNE_RETURN_IF_ERROR(ReadString(*d, "api_base", &base, "deezer"));
      if (!base.empty()) MOODTUNE_RETURN_IF_ERROR(SetBase(&c.deezer.api_base, base, "deezer.api_base"));
      MOODTUNE_RETURN_IF_ERROR(ReadPlaylists(*d, &c.deezer.playlists, "deezer"));
    }
  }
  auto env = [&](const char* name) -> const char* {
    const char* v = getenv(name);
    return v && *v ? v : nullptr;
  };
  if (const char* v = env("MOODTUNE_SPOTIFY_CLIENT_ID")) c.spotify_credentials.client_id = v;
  if (const char* v = env("MOODTUNE_SPOTIFY_CLIENT_SECRET")) c.spotify_credentials.client_secret = v;
  if (const char* v = env("MOODTUNE_SPOTIFY_MARKET")) c.spotify.market = v;
  if (const char* v = env("MOODTUNE_SPOTIFY_API_BASE"))
    MOODTUNE_RETURN_IF_ERROR(SetBase(&c.spotify.api_base, v, "MOODTUNE_SPOTIFY_API_BASE"));
  if (const char* v = env("MOODTUNE_SPOTIFY_ACCOUNTS_BASE"))
    MOODTUNE_RETURN_IF_ERROR(SetBase(&c.spotify.accounts_base, v, "MOODTUNE_SPOTIFY_ACCOUNTS_BASE"));
  if (const char* v = env("MOODTUNE_DEEZER_API_BASE"))
    MOODTUNE_RETURN_IF_ERROR(SetBase(&c.deezer.api_base, v, "MOODTUNE_DEEZER_API_BASE"));
  if (const char* v = env("MOODTUNE_PROVIDER_BUDGET_MS")) {
    const std::string_view s(v);
    int ms = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), ms);
    if (ec != std::errc() || p != s.data() + s.size() || ms < 0)
      return Status::InvalidArgument("MOODTUNE_PROVIDER_BUDGET_MS must be a non-negative integer");
    c.live.budget = Millis(ms);
  }
  return c;
}

Result<ProviderConfig> LoadProviderConfig(const std::string& path, const GetEnvFn& getenv) {
  std::string text;
  if (std::ifstream in(path); in) {
    std::stringstream buf;
    buf << in.rdbuf();
    text = buf.str();
  }
  auto c = ParseProviderConfig(text, getenv);
  if (!c.ok()) return Status(c.status().code(), path + ": " + c.status().message());
  return c;
}

Result<std::unique_ptr<Provider>> MakeProvider(std::string_view name, const ProviderConfig& cfg,
                                               HttpClient& http, Clock& clock, LogFn log) {
  if (name == "catalogue" || name == "catalog") return std::unique_ptr<Provider>();
  if (name == "deezer")
    return std::unique_ptr<Provider>(std::make_unique<DeezerProvider>(cfg.deezer, http, clock, log));
  if (name == "spotify") {
    SpotifyUserToken user;
    if (auto t = LoadSpotifyUserToken(cfg.spotify_token_path); t.ok()) user = std::move(*t);
    const std::string path = cfg.spotify_token_path;
    auto save = [path, log](const SpotifyUserToken& t) {
      Status s = SaveSpotifyUserToken(path, t);
      if (!s.ok() && log) log("spotify: could not store the refreshed token: " + s.message());
    };
    return std::unique_ptr<Provider>(std::make_unique<SpotifyProvider>(
        cfg.spotify, cfg.spotify_credentials, http, clock, log, std::move(user), save));
  }
  return Status::InvalidArgument("unknown provider '" + std::string(name) +
                                 "' (spotify, deezer, catalogue)");
}

}  // namespace moodtune::music
