// The routes' handlers: parse, call one MoodService function, render or map the Status
// through errors.h.
#include <nlohmann/json.hpp>

#include "assets.h"
#include "moodtune/device_protocol.h"
#include "moodtune/music/catalogue.h"
#include "server_impl.h"
#include "views.h"

namespace moodtune::server {
namespace {

std::span<const std::uint8_t> Bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

bool IsTextMime(std::string_view mime) {
  return mime.rfind("text/", 0) == 0 || mime == "application/json";
}

// A device id is optional; when given it must be short printable ASCII (protocol header).
bool ValidDeviceId(const std::string& id) {
  if (id.size() > device::kMaxDeviceIdLen) return false;
  for (char c : id)
    if (c < 0x21 || c > 0x7E) return false;
  return true;
}

// A client's event id: 1..64 of [A-Za-z0-9._-] (a UUID fits).
bool ValidEventId(const std::string& id) {
  return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  });
}

}  // namespace

constexpr std::size_t kMaxGenres = 32;      // genres in one request (query or form)
constexpr std::size_t kMaxGenreBytes = 64;  // bytes in one genre name

std::variant<MusicRequest, ApiError> Server::Impl::ParseMusic(const Request& req) const {
  MusicRequest m;
  m.n = opts.default_n;
  if (auto n = Field(req, "n")) {
    try {
      std::size_t used = 0;
      m.n = std::stoi(*n, &used);
      if (used != n->size()) throw std::invalid_argument("trailing");
    } catch (const std::exception&) {
      return BadField("n must be an integer");
    }
    if (m.n < 1 || m.n > 100) return BadField("n must be in 1..100");
  }
  if (auto s = Field(req, "strategy"); s && !s->empty()) {
    auto st = music::ParseStrategy(*s);
    if (!st.ok()) return BadField("strategy must be match, uplift or calm");
    m.strategy = *st;
  }
  if (auto g = Field(req, "genre")) {
    std::size_t start = 0;
    while (start <= g->size()) {
      const std::size_t comma = std::min(g->find(',', start), g->size());
      std::string one = g->substr(start, comma - start);
      // Issue 11: a 7.9 MB genre list cost 8 s of CPU and 330 MB.
      if (one.size() > kMaxGenreBytes)
        return BadField("each genre must be at most " + std::to_string(kMaxGenreBytes) + " bytes");
      if (!one.empty()) m.genres.push_back(one);
      if (m.genres.size() > kMaxGenres)
        return BadField("at most " + std::to_string(kMaxGenres) + " genres");
      start = comma + 1;
    }
  }
  if (auto l = Field(req, "listener")) {
    if (l->size() > 64) return BadField("listener must be at most 64 bytes");
    m.listener = *l;
  }
  return m;
}

std::optional<ImageAnalysis> Server::Impl::AnalyzeUpload(
    const Request& req, Response& res, bool annotate, std::initializer_list<const char*> fields) {
  if (!service->ready()) {
    ReplyError(req, res, NotReadyError());
    return std::nullopt;
  }
  auto upload = ExtractImage(req, fields);
  if (auto* e = std::get_if<ApiError>(&upload)) {
    ReplyError(req, res, *e);
    return std::nullopt;
  }
  auto a = service->AnalyzeImage(Bytes(std::get<std::string_view>(upload)), annotate);
  if (!a.ok()) {
    ReplyError(req, res, FromStatus(a.status(), ErrorContext::kImage));
    return std::nullopt;
  }
  return std::move(a).value();
}

void Server::Impl::PostRecommend(const Request& req, Response& res) {
  auto music = ParseMusic(req);
  if (auto* e = std::get_if<ApiError>(&music)) return ReplyError(req, res, *e);
  auto a = AnalyzeUpload(req, res, opts.store_annotated, {"files", "file", "image"});
  if (!a) return;
  if (a->faces.empty()) return ReplyError(req, res, NoFace());
  const Face& face = a->faces.front();
  std::vector<Warning> warnings = a->warnings;
  auto recs = service->Recommend(face.probabilities, std::get<MusicRequest>(music), &warnings);
  if (!recs.ok()) return ReplyError(req, res, FromStatus(recs.status(), ErrorContext::kMusic));
  const auto json_start = Clock::now();
  auto out = ReferenceJson(face, a->faces, *recs, ImageUrl(req, a->annotated_id));
  if (!warnings.empty()) out["warnings"] = Warnings(res, warnings);
  ReplyJson(res, 200, out);
  metrics.ObserveStage("json", std::chrono::duration<double>(Clock::now() - json_start).count());
}

void Server::Impl::PostAnalyze(const Request& req, Response& res) {
  const bool annotate = opts.store_annotated && Field(req, "annotate").value_or("1") != "0";
  auto a = AnalyzeUpload(req, res, annotate, {"image", "file", "files"});
  if (!a) return;
  nlohmann::ordered_json faces = nlohmann::ordered_json::array();
  for (const Face& f : a->faces) faces.push_back(FaceJson(f));
  nlohmann::ordered_json out = {{"width", a->width}, {"height", a->height}, {"faces", faces}};
  const std::string url = ImageUrl(req, a->annotated_id);
  out["annotated_image"] =
      url.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(url);
  if (!a->warnings.empty()) out["warnings"] = Warnings(res, a->warnings);
  ReplyJson(res, 200, out);
}

void Server::Impl::PostRecommendations(const Request& req, Response& res) {
  auto music = ParseMusic(req);
  if (auto* e = std::get_if<ApiError>(&music)) return ReplyError(req, res, *e);
  auto a = AnalyzeUpload(req, res, opts.store_annotated, {"image", "file", "files"});
  if (!a) return;
  if (a->faces.empty()) return ReplyError(req, res, NoFace());
  const Face& face = a->faces.front();
  const MusicRequest& m = std::get<MusicRequest>(music);
  std::vector<Warning> warnings = a->warnings;
  auto recs = service->Recommend(face.probabilities, m, &warnings);
  if (!recs.ok()) return ReplyError(req, res, FromStatus(recs.status(), ErrorContext::kMusic));
  nlohmann::ordered_json faces = nlohmann::ordered_json::array();
  for (const Face& f : a->faces) faces.push_back(FaceJson(f));
  nlohmann::ordered_json out = FaceJson(face);
  out["strategy"] = music::StrategyName(m.strategy);
  const std::string url = ImageUrl(req, a->annotated_id);
  out["annotated_image"] =
      url.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(url);
  out["faces"] = faces;
  out["recommendations"] = TracksJson(*recs);
  if (!warnings.empty()) out["warnings"] = Warnings(res, warnings);
  ReplyJson(res, 200, out);
}

void Server::Impl::GetRecommendations(const Request& req, Response& res) {
  auto music = ParseMusic(req);
  if (auto* e = std::get_if<ApiError>(&music)) return ReplyError(req, res, *e);
  auto name = Field(req, "emotion");
  if (!name || name->empty()) return ReplyError(req, res, MissingField("emotion"));
  auto emotion = ParseEmotion(*name);
  if (!emotion) return ReplyError(req, res, BadField("emotion must be one of the 7 class names"));
  const MusicRequest& m = std::get<MusicRequest>(music);
  std::vector<Warning> warnings;
  auto recs = service->Recommend(music::OneHot(*emotion), m, &warnings);
  if (!recs.ok()) return ReplyError(req, res, FromStatus(recs.status(), ErrorContext::kMusic));
  nlohmann::ordered_json out = {{"emotion", EmotionName(*emotion)},
                                {"strategy", music::StrategyName(m.strategy)},
                                {"recommendations", TracksJson(*recs)}};
  if (!warnings.empty()) out["warnings"] = Warnings(res, warnings);
  ReplyJson(res, 200, out);
}

void Server::Impl::PostFeedback(const Request& req, Response& res) {
  std::optional<std::string> listener = Field(req, "listener"), action = Field(req, "action"),
                             track = Field(req, "track_id"), event = Field(req, "event_id");
  if (MediaType(req.get_header_value("Content-Type")) == "application/json") {
    auto j = nlohmann::json::parse(req.body, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object())
      return ReplyError(req, res, BadField("body is not JSON"));
    if (j.contains("listener") && j["listener"].is_string()) listener = j["listener"];
    if (j.contains("action") && j["action"].is_string()) action = j["action"];
    if (j.contains("event_id")) {
      if (!j["event_id"].is_string())
        return ReplyError(req, res, BadField("event_id must be a string"));
      event = j["event_id"].get<std::string>();
    }
    // Issue 13: a track_id of another JSON type was reported as missing. Present but not an
    // integer is "must be an integer" (a numeric string is taken as the form would be).
    if (j.contains("track_id")) {
      const auto& t = j["track_id"];
      if (t.is_number_integer())
        track = std::to_string(t.get<std::int64_t>());
      else if (t.is_string())
        track = t.get<std::string>();
      else
        return ReplyError(req, res, BadField("track_id must be an integer"));
    }
  }
  if (!listener || listener->empty()) return ReplyError(req, res, MissingField("listener"));
  if (listener->size() > 64) return ReplyError(req, res, BadField("listener must be <= 64 bytes"));
  if (!action) return ReplyError(req, res, MissingField("action"));
  if (!track) return ReplyError(req, res, MissingField("track_id"));
  // Issue 11: a client's retry stored its feedback twice. With an event id it is stored once.
  if (event && !ValidEventId(*event))
    return ReplyError(req, res, BadField("event_id must be 1..64 of [A-Za-z0-9._-]"));
  music::FeedbackKind kind;
  if (*action == "like")
    kind = music::FeedbackKind::kLike;
  else if (*action == "skip")
    kind = music::FeedbackKind::kSkip;
  else
    return ReplyError(req, res, BadField("action must be like or skip"));
  std::int64_t id = 0;
  try {
    std::size_t used = 0;
    id = std::stoll(*track, &used);
    if (used != track->size()) throw std::invalid_argument("trailing");
  } catch (const std::exception&) {
    return ReplyError(req, res, BadField("track_id must be an integer"));
  }
  Status s = service->Feedback(*listener, id, kind, event.value_or(""));
  // Feedback is a write the client asked for: when storage fails it is refused (503, retry),
  // never reported as stored.
  if (!s.ok() && !s.IsNotFound() && !s.IsInvalidArgument()) {
    // Issue 11: storage errors are logged with their cause (the client only sees 503).
    log->warn("{{\"event\":\"storage_error\",\"op\":\"feedback\",\"rid\":\"{}\",\"error\":{}}}",
              res.get_header_value("X-Request-Id"), nlohmann::json(s.ToString()).dump());
    res.set_header("Retry-After", "1");
    return ReplyError(req, res, {503, "storage_unavailable", "feedback could not be stored"});
  }
  if (!s.ok()) return ReplyError(req, res, FromStatus(s, ErrorContext::kMusic));
  nlohmann::ordered_json out = {{"ok", true},
                                {"listener", *listener},
                                {"track_id", id},
                                {"action", music::FeedbackName(kind)}};
  if (event) out["event_id"] = *event;
  ReplyJson(res, 200, out);
}

void Server::Impl::PostDeviceMood(const Request& req, Response& res) {
  auto reply = [&res](int http, std::string body) {
    res.status = http;
    res.set_content(std::move(body), "text/plain; charset=utf-8");
  };
  const std::string device_id = req.get_header_value(device::kDeviceIdHeader);
  if (!ValidDeviceId(device_id)) return reply(400, DeviceErrorAnswer("bad device id"));
  if (!service->ready()) return reply(503, DeviceErrorAnswer(NotReadyError().code));
  auto upload = ExtractImage(req, {"image", "file", "files"});
  if (auto* e = std::get_if<ApiError>(&upload)) return reply(e->http, DeviceErrorAnswer(e->code));
  auto a = service->AnalyzeImage(Bytes(std::get<std::string_view>(upload)), false);
  if (!a.ok()) {
    const ApiError e = FromStatus(a.status(), ErrorContext::kImage);
    return reply(e.http, DeviceErrorAnswer(e.code));
  }
  if (a->faces.empty()) return reply(NoFace().http, DeviceNoFaceAnswer());
  MusicRequest m;
  m.n = 1;                                                     // the device shows one track
  if (!device_id.empty()) m.listener = "device:" + device_id;  // so repeats are avoided
  auto recs = service->Recommend(a->faces.front().probabilities, m);
  if (!recs.ok()) {
    const ApiError e = FromStatus(recs.status(), ErrorContext::kMusic);
    return reply(e.http, DeviceErrorAnswer(e.code));
  }
  reply(200, DeviceOkAnswer(a->faces.front(), *recs));
}

void Server::Impl::GetStatic(const Request& req, Response& res) {
  auto bytes = images.Get(req.matches[1]);
  if (!bytes)
    return ReplyError(req, res, NotFoundError("no such image (expired or never existed)"));
  res.set_header("Cache-Control", "private, max-age=" + std::to_string(opts.static_max_age_s));
  res.set_content(*bytes, "image/jpeg");
}

void Server::Impl::GetAsset(std::string_view name, Response& res) {
  const Asset* a = FindAsset(name);
  if (!a) return ReplyError(res, NotFoundError("no such asset"));
  std::string mime(a->mime);
  if (IsTextMime(mime)) mime += "; charset=utf-8";
  res.set_header("Cache-Control", "no-cache");
  res.set_content(std::string(a->body), mime.c_str());
}

}  // namespace moodtune::server
