#include "moodtune/music/previews.h"

#include "provider_http.h"

namespace moodtune::music {

namespace {

// The preview link of one track, or why there is none.
Result<std::string> LookUp(HttpClient& http, Clock& clock, const PreviewOptions& o,
                           const std::string& id, Clock::TimePoint deadline) {
  HttpRequest req;
  req.url = o.api_base + "/track/" + PercentEncode(id);
  req.headers = {{"Accept", "application/json"}};
  auto r = internal::SendWithin(http, clock, req, deadline, Millis{0}, "deezer", {});
  if (!r.ok()) return r.status();
  if (r->status != 200) return internal::HttpError("deezer", *r);
  auto j = internal::ParseJsonObject("deezer", r->body);
  if (!j.ok()) return j.status();
  if (auto e = j->find("error"); e != j->end() && e->is_object())
    return Status::Unavailable("deezer: error " + std::to_string(internal::Int(*e, "code", 0)) +
                               " " + internal::Str(*e, "message"));
  std::string preview = internal::Str(*j, "preview");
  if (!preview.starts_with("https://") && !preview.starts_with("http://"))
    return Status::NotFound("deezer: no preview for this track");
  return preview;
}

}  // namespace

std::vector<std::string> RefreshPreviews(std::span<Track> tracks, HttpClient* http, Clock& clock,
                                         const PreviewOptions& o) {
  std::vector<std::string> reasons(tracks.size());
  const Clock::TimePoint deadline = clock.Now() + o.budget;
  for (std::size_t i = 0; i < tracks.size(); ++i) {
    Track& t = tracks[i];
    if (t.deezer_id.empty()) {
      if (t.preview_url.empty()) reasons[i] = kNoDeezerId;
      continue;
    }
    if (http == nullptr) {
      if (t.preview_url.empty()) reasons[i] = kPreviewsNeedProvider;
      continue;
    }
    auto link = LookUp(*http, clock, o, t.deezer_id, deadline);
    if (link.ok())
      t.preview_url = *link;
    else if (t.preview_url.empty())
      reasons[i] =
          link.status().IsDeadlineExceeded() ? "deezer: timed out" : link.status().message();
  }
  return reasons;
}

}  // namespace moodtune::music
