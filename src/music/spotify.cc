// Spotify provider: token handling, search and playlist items.
#include "moodtune/music/spotify.h"

#include <algorithm>

#include "provider_http.h"

namespace moodtune::music {
using internal::EstimateFromQuery;
using internal::HttpError;
using internal::IsTrue;
using internal::ParseJsonObject;
using internal::Remaining;
using internal::SameBase;
using internal::SendWithin;
using internal::Str;
using nlohmann::json;

SpotifyProvider::SpotifyProvider(SpotifyOptions o, SpotifyCredentials c, HttpClient& http,
                                 Clock& clock, LogFn log, SpotifyUserToken user,
                                 std::function<void(const SpotifyUserToken&)> on_user_token)
    : o_(std::move(o)),
      c_(std::move(c)),
      http_(http),
      clock_(clock),
      log_(std::move(log)),
      user_(std::move(user)),
      on_user_token_(std::move(on_user_token)) {}

Result<std::string> SpotifyProvider::AppToken(Clock::TimePoint deadline) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!app_token_.empty() && clock_.Now() + o_.token_margin < app_token_expires_)
    return app_token_;
  if (c_.client_id.empty() || c_.client_secret.empty())
    return Status::InvalidArgument(
        "spotify: no client id/secret (set MOODTUNE_SPOTIFY_CLIENT_ID and "
        "MOODTUNE_SPOTIFY_CLIENT_SECRET or the config file)");
  HttpRequest req;
  req.method = "POST";
  req.url = o_.accounts_base + "/api/token";
  req.headers = {{"Authorization", "Basic " + Base64(c_.client_id + ":" + c_.client_secret)}};
  req.content_type = "application/x-www-form-urlencoded";
  req.body = "grant_type=client_credentials";
  const auto sent_at = clock_.Now();
  auto r = SendWithin(http_, clock_, req, deadline, o_.max_retry_after, "spotify token", log_);
  if (!r.ok()) return r.status();
  if (r->status != 200) return HttpError("spotify token", *r);
  auto j = ParseJsonObject("spotify token", r->body);
  if (!j.ok()) return j.status();
  const std::string token = Str(*j, "access_token");
  auto exp = j->find("expires_in");
  if (token.empty() || exp == j->end() || !exp->is_number())
    return Status::Unavailable("spotify token: answer lacks access_token/expires_in");
  // Clamped in double: get<long long> of 1e300 and a time point ~1e18 s away are both UB
  // (found by fuzz/spotify_fuzzer.cc). Spotify issues 3600.
  const auto expires_in =
      static_cast<long long>(std::clamp(exp->get<double>(), 0.0, 7.0 * 86400));
  app_token_ = token;
  app_token_expires_ = sent_at + std::chrono::seconds(expires_in);
  if (log_) log_("spotify: new app token, valid " + std::to_string(expires_in) + " s");
  return app_token_;
}

Result<std::string> SpotifyProvider::Token(bool user, Clock::TimePoint deadline) {
  if (user && !user_.access_token.empty()) return user_.access_token;
  return AppToken(deadline);
}

Status SpotifyProvider::Renew(bool user, Clock::TimePoint deadline) {
  if (user && !user_.access_token.empty()) {
    if (user_.refresh_token.empty() || c_.client_id.empty())
      return Status::Unavailable("spotify: user token refused and cannot be refreshed; run "
                                 "`moodtune spotify login`");
    HttpRequest req;
    req.method = "POST";
    req.url = o_.accounts_base + "/api/token";
    req.content_type = "application/x-www-form-urlencoded";
    req.body = FormEncode({{"grant_type", "refresh_token"},
                           {"refresh_token", user_.refresh_token},
                           {"client_id", c_.client_id}});
    auto r = SendWithin(http_, clock_, req, deadline, o_.max_retry_after, "spotify refresh", log_);
    if (!r.ok()) return r.status();
    if (r->status != 200) return HttpError("spotify refresh", *r);
    auto j = ParseJsonObject("spotify refresh", r->body);
    if (!j.ok()) return j.status();
    const std::string access = Str(*j, "access_token");
    if (access.empty()) return Status::Unavailable("spotify refresh: no access_token");
    user_.access_token = access;
    if (std::string rt = Str(*j, "refresh_token"); !rt.empty()) user_.refresh_token = rt;
    if (log_) log_("spotify: user token refreshed");
    if (on_user_token_) on_user_token_(user_);
    return Status::Ok();
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    app_token_.clear();
  }
  if (log_) log_("spotify: 401, renewing the app token once");
  auto t = AppToken(deadline);
  return t.ok() ? Status::Ok() : t.status();
}

Result<HttpResponse> SpotifyProvider::AuthorizedGet(const std::string& url, bool user,
                                                    Clock::TimePoint deadline) {
  for (int attempt = 0;; ++attempt) {
    auto token = Token(user, deadline);
    if (!token.ok()) return token.status();
    HttpRequest req;
    req.url = url;
    req.headers = {{"Authorization", "Bearer " + *token}, {"Accept", "application/json"}};
    auto r = SendWithin(http_, clock_, req, deadline, o_.max_retry_after, "spotify", log_);
    if (!r.ok() || r->status != 401 || attempt == 1) return r;
    MOODTUNE_RETURN_IF_ERROR(Renew(user, deadline));
  }
}

namespace {

// One Spotify track object -> Track; false for local files, episodes and odd items.
bool ToTrack(const json& t, Track* out) {
  if (!t.is_object()) return false;
  if (IsTrue(t, "is_local")) return false;
  if (Str(t, "type") != "track") return false;  // episodes and anything else
  const std::string id = Str(t, "id");
  if (id.empty()) return false;
  Track track;
  track.title = Str(t, "name");
  if (auto a = t.find("artists"); a != t.end() && a->is_array())
    for (const auto& artist : *a)
      if (std::string n = Str(artist, "name"); !n.empty()) track.artists.push_back(n);
  if (track.title.empty() || track.artists.empty()) return false;
  if (auto al = t.find("album"); al != t.end() && al->is_object()) {
    track.album = Str(*al, "name");
    const std::string date = Str(*al, "release_date");
    if (date.size() >= 4 && std::all_of(date.begin(), date.begin() + 4, ::isdigit))
      track.year = std::stoi(date.substr(0, 4));
  }
  track.spotify_id = id;
  std::string link;
  if (auto ex = t.find("external_urls"); ex != t.end()) link = Str(*ex, "spotify");
  track.spotify_url = link.starts_with("https://open.spotify.com/") ? link : SpotifyTrackUrl(id);
  track.deezer_url = DeezerSearchUrl(track.title, track.artists.front());
  track.preview_url = Str(t, "preview_url");
  *out = std::move(track);
  return true;
}

}  // namespace

Result<std::vector<Track>> SpotifyProvider::Playlist(std::string_view id,
                                                     Clock::TimePoint deadline, int max_tracks) {
  if (id.empty()) return Status::InvalidArgument("spotify: empty playlist id");
  std::string url = o_.api_base + "/v1/playlists/" + PercentEncode(id) +
                    "/items?limit=" + std::to_string(std::clamp(o_.page_limit, 1, 50));
  if (!o_.market.empty()) url += "&market=" + PercentEncode(o_.market);
  std::vector<Track> out;
  for (int page = 0; page < o_.max_pages && !url.empty() &&
                     static_cast<int>(out.size()) < max_tracks;
       ++page) {
    auto r = AuthorizedGet(url, /*user=*/true, deadline);
    if (!r.ok()) return r.status();
    if (r->status != 200) return HttpError("spotify playlist", *r);
    auto j = ParseJsonObject("spotify playlist", r->body);
    if (!j.ok()) return j.status();
    auto items = j->find("items");
    if (items == j->end() || !items->is_array())
      return Status::Unavailable("spotify playlist: answer lacks items");
    for (const auto& it : *items) {
      if (!it.is_object() || IsTrue(it, "is_local")) continue;
      const json* t = nullptr;
      if (auto i = it.find("item"); i != it.end() && i->is_object()) t = &*i;
      else if (auto tr = it.find("track"); tr != it.end() && tr->is_object()) t = &*tr;
      Track track;
      if (t && ToTrack(*t, &track)) {
        track.source = "spotify:playlist:" + std::string(id);
        out.push_back(std::move(track));
        if (static_cast<int>(out.size()) >= max_tracks) break;
      }
    }
    const std::string next = Str(*j, "next");
    url.clear();
    if (!next.empty()) {
      if (SameBase(next, o_.api_base)) url = next;
      else if (log_) log_("spotify: not following a `next` link to another host");
    }
  }
  return out;
}

Result<std::vector<Track>> SpotifyProvider::ForMood(const ProviderQuery& q,
                                                    Clock::TimePoint deadline) {
  std::vector<Track> tracks;
  if (auto pl = o_.playlists.find(q.emotion); pl != o_.playlists.end() && !pl->second.empty()) {
    auto r = Playlist(pl->second, deadline, std::max(q.limit, 2 * o_.page_limit));
    if (!r.ok()) return r.status();
    tracks = std::move(*r);
  } else {
    std::string text(MoodSearchWords(q.emotion));
    if (!q.genre.empty()) text += " genre:\"" + q.genre + "\"";
    std::string url = o_.api_base + "/v1/search?" +
                      FormEncode({{"type", "track"},
                                  {"q", text},
                                  {"limit", std::to_string(std::clamp(
                                                std::min(q.limit, o_.search_limit), 1, 10))}});
    if (!o_.market.empty()) url += "&market=" + PercentEncode(o_.market);
    auto r = AuthorizedGet(url, /*user=*/false, deadline);
    if (!r.ok()) return r.status();
    if (r->status != 200) return HttpError("spotify search", *r);
    auto j = ParseJsonObject("spotify search", r->body);
    if (!j.ok()) return j.status();
    auto t = j->find("tracks");
    if (t == j->end() || !t->is_object() || !t->contains("items") || !(*t)["items"].is_array())
      return Status::Unavailable("spotify search: answer lacks tracks.items");
    for (const auto& item : (*t)["items"]) {
      Track track;
      if (ToTrack(item, &track)) tracks.push_back(std::move(track));
    }
  }
  for (Track& t : tracks) {
    const std::string source = t.source.empty() ? "spotify" : t.source;
    EstimateFromQuery(t, q, source);
  }
  return tracks;
}

}  // namespace moodtune::music
