// Live mood routes (issue 13): a session that accumulates a camera's readings about once a
// second (LiveSessions, live_mood.h) and answers tracks only when the smoothed mood changed.
//   POST   /v1/live              -> 201 a new session
//   POST   /v1/live/{id}/frames  -> this frame's faces, the smoothed state, tracks on a change
//   GET    /v1/live/{id}         -> the state
//   DELETE /v1/live/{id}         -> 204
// Errors go through errors.h like every route; the answers are documented in openapi.json.
#include <cmath>
#include <nlohmann/json.hpp>

#include "server_impl.h"
#include "views.h"

namespace moodtune::server {
namespace {

double Round(double v, double scale) { return std::round(v * scale) / scale; }

nlohmann::ordered_json ProbsJson(const EmotionProbs& p, double scale = 1e4) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (int i = 0; i < kNumEmotions; ++i)
    out[std::string(EmotionName(Emotion(i)))] = Round(p[i], scale);
  return out;
}

nlohmann::ordered_json NameOrNull(std::optional<Emotion> e) {
  return e ? nlohmann::ordered_json(EmotionName(*e)) : nlohmann::ordered_json(nullptr);
}

// The session's state, as GET /v1/live/{id} and every frame answer give it.
nlohmann::ordered_json StateJson(const LiveSnapshot& s) {
  const LiveMood& m = s.mood;
  nlohmann::ordered_json out = {{"session_id", s.id}};
  double span = 0;
  const EmotionProbs trend = m.Trend(&span);
  const double now = m.last_t_s().value_or(0);
  out["t_s"] = Round(now, 1e3);
  out["readings"] = m.readings();
  out["faceless_readings"] = m.faceless_readings();
  out["smoothed"] = m.has_reading() ? ProbsJson(m.smoothed()) : nlohmann::ordered_json(nullptr);
  out["trend"] = ProbsJson(trend);
  out["trend_span_s"] = Round(span, 1e3);
  out["mood"] = NameOrNull(m.mood());
  out["mood_confidence"] =
      m.mood() ? nlohmann::ordered_json(Round(m.smoothed()[static_cast<int>(*m.mood())], 1e4))
               : nlohmann::ordered_json(nullptr);
  out["mood_since_s"] = m.mood() ? nlohmann::ordered_json(Round(m.mood_since_s(), 1e3))
                                 : nlohmann::ordered_json(nullptr);
  out["candidate"] = NameOrNull(m.candidate());
  out["candidate_for_s"] = m.candidate()
                               ? nlohmann::ordered_json(Round(now - m.candidate_since_s(), 1e3))
                               : nlohmann::ordered_json(nullptr);
  nlohmann::ordered_json history = nlohmann::ordered_json::array();
  for (const LiveMoodPoint& p : m.history())
    history.push_back({{"t_s", Round(p.t_s, 1e3)},
                       {"emotion", EmotionName(p.leader)},
                       {"confidence", Round(p.smoothed[static_cast<int>(p.leader)], 1e4)}});
  out["history"] = history;
  out["expires_in_s"] = Round(s.expires_in_s, 1e3);
  return out;
}

// The id segment of /v1/live/{id}[/frames], or nullopt when it cannot be a session id.
std::optional<std::string> SessionId(const Request& req) {
  if (req.matches.size() < 2 || !IsValidId(req.matches[1])) return std::nullopt;
  return req.matches[1];
}

ApiError UnknownSession() {
  return NotFoundError("no such live session (expired, deleted or never created)");
}

// t_ms: the frame's capture time, milliseconds on the client's monotonic clock.
std::variant<std::optional<double>, ApiError> ParseClientTime(const Request& req) {
  auto t = Field(req, "t_ms");
  if (!t || t->empty()) return std::optional<double>();
  double ms = 0;
  try {
    std::size_t used = 0;
    ms = std::stod(*t, &used);
    if (used != t->size()) throw std::invalid_argument("trailing");
  } catch (const std::exception&) {
    return BadField("t_ms must be a number (milliseconds)");
  }
  if (!std::isfinite(ms) || ms < 0 || ms > 1e15) return BadField("t_ms must be in 0..1e15");
  return std::optional<double>(ms / 1000.0);
}

}  // namespace

void Server::Impl::PostLive(const Request& req, Response& res) {
  auto s = live.Create(req.remote_addr);
  if (!s.ok()) {
    // Full for everyone: 503; this address holds its share: 429. Either way a session frees
    // up when its owner deletes it or it expires.
    const bool full = s.status().code() == StatusCode::kUnavailable;
    res.set_header("Retry-After", std::to_string(opts.live_session_ttl_s));
    return ReplyError(req, res,
                      {full ? 503 : 429, full ? "live_sessions_full" : "too_many_live_sessions",
                       s.status().message()});
  }
  nlohmann::ordered_json out = StateJson(*s);
  const LiveMoodOptions& o = s->mood.options();
  out["frames_url"] = "/v1/live/" + s->id + "/frames";
  out["max_fps"] = opts.live_max_fps;
  out["settings"] = {{"time_constant_s", o.time_constant_s},
                     {"settle_s", o.settle_s},
                     {"hold_s", o.hold_s},
                     {"margin", Round(o.margin, 1e4)},
                     {"trend_window_s", o.trend_window_s},
                     {"history_size", o.history_size}};
  ReplyJson(res, 201, out);
}

bool Server::Impl::AdmitLiveFrame(const Request& req, Response& res) {
  const auto id = SessionId(req);
  if (!id) {
    ReplyError(req, res, UnknownSession());
    return true;
  }
  int retry_after = 1;
  Status admitted = live.Admit(*id, &retry_after);
  if (admitted.ok()) return false;
  if (admitted.IsNotFound()) {
    ReplyError(req, res, UnknownSession());
    return true;
  }
  res.set_header("Retry-After", std::to_string(retry_after));
  ReplyError(req, res,
             {429, "too_many_frames",
              "this live session may send " + std::to_string(opts.live_max_fps) +
                  " frames a second; retry after the Retry-After seconds"});
  return true;
}

void Server::Impl::PostLiveFrame(const Request& req, Response& res) {
  const auto id = SessionId(req);
  if (!id) return ReplyError(req, res, UnknownSession());
  auto music = ParseMusic(req);
  if (auto* e = std::get_if<ApiError>(&music)) return ReplyError(req, res, *e);
  auto t = ParseClientTime(req);
  if (auto* e = std::get_if<ApiError>(&t)) return ReplyError(req, res, *e);
  // The frame token was taken from the head (AdmitLiveFrame), before the body was read.
  auto a = AnalyzeUpload(req, res, /*annotate=*/false, {"image", "file", "files"});
  if (!a) return;
  const EmotionProbs* probs = a->faces.empty() ? nullptr : &a->faces.front().probabilities;
  auto s = live.Add(*id, std::get<std::optional<double>>(t), probs);
  if (!s.ok()) {
    if (s.status().IsNotFound()) return ReplyError(req, res, UnknownSession());
    return ReplyError(req, res, BadField("t_ms: " + s.status().message()));
  }
  nlohmann::ordered_json faces = nlohmann::ordered_json::array();
  for (const Face& f : a->faces) faces.push_back(FaceJson(f));
  nlohmann::ordered_json out = StateJson(*s);
  out["faces"] = faces;
  out["mood_changed"] = s->mood_changed;
  std::vector<Warning> warnings = a->warnings;
  if (s->mood_changed) {
    // The next tracks for the new mood, from its smoothed distribution (the same path as
    // POST /v1/recommendations; with a listener, recorded as plays).
    const MusicRequest& m = std::get<MusicRequest>(music);
    auto recs = service->Recommend(s->mood.smoothed(), m, &warnings);
    if (!recs.ok()) return ReplyError(req, res, FromStatus(recs.status(), ErrorContext::kMusic));
    out["strategy"] = music::StrategyName(m.strategy);
    out["recommendations"] = TracksJson(*recs);
  }
  if (!warnings.empty()) out["warnings"] = Warnings(res, warnings);
  ReplyJson(res, 200, out);
}

void Server::Impl::GetLive(const Request& req, Response& res) {
  const auto id = SessionId(req);
  if (!id) return ReplyError(req, res, UnknownSession());
  auto s = live.Get(*id);
  if (!s.ok()) return ReplyError(req, res, UnknownSession());
  ReplyJson(res, 200, StateJson(*s));
}

void Server::Impl::DeleteLive(const Request& req, Response& res) {
  const auto id = SessionId(req);
  if (!id || !live.Remove(*id)) return ReplyError(req, res, UnknownSession());
  res.status = 204;
}

}  // namespace moodtune::server
