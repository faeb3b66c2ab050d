// Fresh 30-second previews for tracks with a Deezer id: Deezer's preview links expire, so
// they are fetched (GET {api_base}/track/{id}, field "preview") when a list is shown rather
// than stored. Network and clock are injected (http.h).
// Thread-safety: re-entrant; the client and clock must be safe to share when shared.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "moodtune/music/http.h"
#include "moodtune/music/track.h"

namespace moodtune::music {

struct PreviewOptions {
  std::string api_base = "https://api.deezer.com";  // no trailing slash
  Millis budget{1500};  // all lookups of one list together wait at most this
};

// Why a track has no preview.
inline constexpr std::string_view kPreviewsNeedProvider = "previews need a provider";
inline constexpr std::string_view kNoDeezerId = "no Deezer id";

// For each track: "" when preview_url is set on return, else the reason there is none.
// http == nullptr: every track without a preview gets kPreviewsNeedProvider (tracks without
// a Deezer id get kNoDeezerId). Otherwise each track with a Deezer id gets the current
// link (replacing any stored one); a failed lookup keeps the stored link when there is one
// and otherwise gives the reason ("deezer: HTTP 404", "deezer: no preview for this track",
// "deezer: timed out"). Lookups after the budget is spent are not sent.
std::vector<std::string> RefreshPreviews(std::span<Track> tracks, HttpClient* http, Clock& clock,
                                         const PreviewOptions& o = {});

}  // namespace moodtune::music
