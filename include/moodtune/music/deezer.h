// Deezer public API provider (no key): /search and /playlist/{id}/tracks, with the tracks'
// 30-second `preview` MP3 URLs. Deezer reports errors as HTTP 200 with an "error" object
// (code 4 quota -> ResourceExhausted, 800 no data -> NotFound, others Unavailable).
// Thread-safety: stateless apart from the borrowed client and clock; safe to share when
// they are.
#pragma once

#include <map>
#include <string>

#include "moodtune/emotion.h"
#include "moodtune/music/http.h"
#include "moodtune/music/provider.h"

namespace moodtune::music {

struct DeezerOptions {
  std::string api_base = "https://api.deezer.com";  // no trailing slash
  int search_limit = 10;         // tracks per search (1..100)
  int page_limit = 100;          // tracks per playlist page
  int max_pages = 20;            // playlist pages followed at most
  Millis max_retry_after{2000};  // honour a 429's Retry-After only up to this
  std::map<Emotion, std::string> playlists;  // emotion -> playlist id used by ForMood
};

class DeezerProvider final : public Provider {
 public:
  // `http` and `clock` are borrowed and must outlive the provider.
  DeezerProvider(DeezerOptions o, HttpClient& http, Clock& clock, LogFn log = {});
  std::string_view Name() const override { return "deezer"; }
  // The emotion's playlist when configured, else GET /search?q=<mood words> [genre]&limit.
  Result<std::vector<Track>> ForMood(const ProviderQuery& q, Clock::TimePoint deadline) override;
  // GET /playlist/{id}/tracks?limit&index, following `next` on the same host.
  Result<std::vector<Track>> Playlist(std::string_view id, Clock::TimePoint deadline,
                                      int max_tracks) override;

 private:
  DeezerOptions o_;
  HttpClient& http_;
  Clock& clock_;
  LogFn log_;
};

}  // namespace moodtune::music
