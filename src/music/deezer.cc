// Deezer provider.
#include "moodtune/music/deezer.h"

#include <algorithm>

#include "provider_http.h"

namespace moodtune::music {
using internal::EstimateFromQuery;
using internal::HttpError;
using internal::Int;
using internal::ParseJsonObject;
using internal::SameBase;
using internal::SendWithin;
using internal::Str;
using nlohmann::json;

DeezerProvider::DeezerProvider(DeezerOptions o, HttpClient& http, Clock& clock, LogFn log)
    : o_(std::move(o)), http_(http), clock_(clock), log_(std::move(log)) {}

namespace {

// GET + status + JSON + Deezer's in-body error object.
Result<json> GetJson(HttpClient& http, Clock& clock, const DeezerOptions& o,
                     const std::string& url, Clock::TimePoint deadline, const LogFn& log) {
  HttpRequest req;
  req.url = url;
  req.headers = {{"Accept", "application/json"}};
  auto r = SendWithin(http, clock, req, deadline, o.max_retry_after, "deezer", log);
  if (!r.ok()) return r.status();
  if (r->status != 200) return HttpError("deezer", *r);
  auto j = ParseJsonObject("deezer", r->body);
  if (!j.ok()) return j.status();
  if (auto e = j->find("error"); e != j->end() && e->is_object()) {
    const long long code = Int(*e, "code", 0);  // e->value() threw on a non-number
    const std::string m = "deezer: error " + std::to_string(code) + " " + Str(*e, "message");
    if (code == 4) return Status::ResourceExhausted(m);
    if (code == 800) return Status::NotFound(m);
    return Status::Unavailable(m);
  }
  if (auto d = j->find("data"); d == j->end() || !d->is_array())
    return Status::Unavailable("deezer: answer lacks data");
  return j;
}

bool ToTrack(const json& t, Track* out) {
  if (!t.is_object()) return false;
  if (auto type = Str(t, "type"); !type.empty() && type != "track") return false;
  const std::string id = Str(t, "id");
  Track track;
  track.title = Str(t, "title");
  if (auto a = t.find("artist"); a != t.end()) {
    if (std::string n = Str(*a, "name"); !n.empty()) track.artists.push_back(n);
  }
  if (id.empty() || track.title.empty() || track.artists.empty()) return false;
  if (auto al = t.find("album"); al != t.end()) track.album = Str(*al, "title");
  track.deezer_id = id;
  const std::string link = Str(t, "link");
  track.deezer_url = link.starts_with("https://www.deezer.com/") ? link : DeezerTrackUrl(id);
  track.spotify_url = SpotifySearchUrl(track.title, track.artists.front());
  track.preview_url = Str(t, "preview");
  *out = std::move(track);
  return true;
}

}  // namespace

Result<std::vector<Track>> DeezerProvider::Playlist(std::string_view id,
                                                    Clock::TimePoint deadline, int max_tracks) {
  if (id.empty()) return Status::InvalidArgument("deezer: empty playlist id");
  std::string url = o_.api_base + "/playlist/" + PercentEncode(id) +
                    "/tracks?limit=" + std::to_string(std::clamp(o_.page_limit, 1, 100)) +
                    "&index=0";
  std::vector<Track> out;
  for (int page = 0; page < o_.max_pages && !url.empty() &&
                     static_cast<int>(out.size()) < max_tracks;
       ++page) {
    auto j = GetJson(http_, clock_, o_, url, deadline, log_);
    if (!j.ok()) return j.status();
    for (const auto& item : (*j)["data"]) {
      Track t;
      if (!ToTrack(item, &t)) continue;
      t.source = "deezer:playlist:" + std::string(id);
      out.push_back(std::move(t));
      if (static_cast<int>(out.size()) >= max_tracks) break;
    }
    const std::string next = Str(*j, "next");
    url.clear();
    if (!next.empty()) {
      if (SameBase(next, o_.api_base)) url = next;
      else if (log_) log_("deezer: not following a `next` link to another host");
    }
  }
  return out;
}

Result<std::vector<Track>> DeezerProvider::ForMood(const ProviderQuery& q,
                                                   Clock::TimePoint deadline) {
  std::vector<Track> tracks;
  if (auto pl = o_.playlists.find(q.emotion); pl != o_.playlists.end() && !pl->second.empty()) {
    auto r = Playlist(pl->second, deadline, std::max(q.limit, o_.page_limit));
    if (!r.ok()) return r.status();
    tracks = std::move(*r);
  } else {
    std::string text(MoodSearchWords(q.emotion));
    if (!q.genre.empty()) text += " " + q.genre;  // Deezer has no genre filter in search
    const int limit = std::clamp(std::min(q.limit, o_.search_limit), 1, 100);
    auto j = GetJson(http_, clock_, o_,
                     o_.api_base + "/search?" +
                         FormEncode({{"q", text}, {"limit", std::to_string(limit)}}),
                     deadline, log_);
    if (!j.ok()) return j.status();
    for (const auto& item : (*j)["data"]) {
      Track t;
      if (ToTrack(item, &t)) tracks.push_back(std::move(t));
    }
  }
  for (Track& t : tracks) {
    const std::string source = t.source.empty() ? "deezer" : t.source;
    EstimateFromQuery(t, q, source);
  }
  return tracks;
}

}  // namespace moodtune::music
