// Server::Impl: the HTTP transport's set-up (limits, timeouts, worker pool, access log,
// metrics) and the routes. Handlers stay thin: parse, call one MoodService function, render or map
// the Status through errors.h.
#include "moodtune/server.h"

#include <malloc.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <thread>

#include "assets.h"
#include "errors.h"
#include "http_server.h"
#include "http_util.h"
#include "image_store.h"
#include "metrics.h"
#include "moodtune/device_protocol.h"
#include "moodtune/music/catalogue.h"
#include "moodtune/music/paths.h"
#include "security.h"
#include "service.h"
#include "views.h"

namespace moodtune::server {
namespace {

using Request = HttpRequest;
using Response = HttpResponse;
using Clock = std::chrono::steady_clock;

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

// Routes anyone may fetch without an API key: probes, the web page and its assets, the API
// description, and annotated images (capability URLs: 128-bit random ids that <img> tags
// fetch without headers).
bool OpenRoute(const std::string& path) {
  return path == "/healthz" || path == "/readyz" || path == "/" || path == "/openapi.json" ||
         path.rfind("/assets/", 0) == 0 || path.rfind("/static/", 0) == 0;
}

// Health probes are never rate limited (an orchestrator must see the truth).
bool ProbeRoute(const std::string& path) { return path == "/healthz" || path == "/readyz"; }

nlohmann::ordered_json WarningsJson(const std::vector<Warning>& warnings) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const Warning& w : warnings) out.push_back({{"code", w.code}, {"message", w.message}});
  return out;
}

}  // namespace

AnalyzerLoader DefaultAnalyzerLoader(const ServerOptions& o) {
  return [o]() -> Result<std::shared_ptr<const Analyzer>> {
    AnalyzerOptions a;
    a.detector.model_path = o.face_model;
    a.classifier.model_path = o.emotion_model;
    auto analyzer = Analyzer::Create(a);
    if (!analyzer.ok()) return analyzer.status();
    return std::shared_ptr<const Analyzer>(std::move(analyzer).value());
  };
}

struct Server::Impl {
  ServerOptions opts;
  AnalyzerLoader loader;
  std::shared_ptr<spdlog::logger> log;
  Metrics metrics;
  ImageStore images;
  KeyRing keys;
  RateLimiter limiter;
  std::vector<std::string> cors_origins;
  std::vector<std::string> metrics_allow;
  std::vector<std::string> allowed_hosts;  // lower case, parsed once
  std::unique_ptr<MoodService> service;
  std::unique_ptr<HttpServer> http;
  int port = 0;
  int workers = 1;
  std::thread load_thread;
  mutable std::mutex load_mu;
  Status load_status;
  std::string degraded;  // why the server runs degraded ("" = it does not); set before Run

  // The routes: a method and an exact path, or a pattern whose groups land in req.matches.
  // Plain string matching (no regex: GCC's std::regex recurses per character, and routing
  // runs on the I/O thread for every request).
  struct Route {
    std::string method;
    std::string path;    // the exact path, or the prefix when `suffix` is set
    std::string suffix;  // set: path = prefix + one segment without '/' + suffix
    bool light = false;  // cheap: answered on the I/O thread
    std::function<void(const Request&, Response&)> handler;
  };
  std::vector<Route> routes;

  Impl(const ServerOptions& o, AnalyzerLoader l, std::shared_ptr<spdlog::logger> lg)
      : opts(o),
        loader(std::move(l)),
        log(std::move(lg)),
        images(o.static_max_images, std::chrono::seconds(o.static_max_age_s), nullptr,
               o.static_max_bytes),
        keys(KeyRing::FromDigests(o.api_keys_sha256).value()),  // checked by ValidateOptions
        limiter(o.rate_limit_per_min, o.rate_limit_burst),
        cors_origins(SplitList(o.cors_origins)),
        metrics_allow(SplitList(o.metrics_allow)),
        allowed_hosts([&o] {
          auto hosts = SplitList(o.allowed_hosts);
          for (auto& h : hosts) h = AsciiLower(h);
          return hosts;
        }()) {}

  HttpHandlers Handlers();
  void Routes();
  // Finds the route (404 none, 405 another method) and runs it; exceptions become 500.
  void Dispatch(Request& req, Response& res);
  // Sets req.route and req.matches ([0] the path, [1] a suffix route's segment); -1 when no
  // route has this path (`other_method`: one has it with another method).
  void Match(Request& req, bool* other_method) const;
  void AccessLog(const Request& req, const Response& res, double seconds, std::size_t bytes_in);
  // CORS, preflight, rate limit, API key and /metrics peer checks, before any body is read.
  // True when it answered the request itself (preflight, 401, 403, 429).
  bool Guard(const Request& req, Response& res);

  // Parses n, strategy, genre (comma-separated) and listener.
  std::variant<MusicRequest, ApiError> ParseMusic(const Request& req) const;
  // Decodes + analyzes the uploaded image; on failure `res` already holds the error.
  std::optional<ImageAnalysis> AnalyzeUpload(const Request& req, Response& res, bool annotate,
                                             std::initializer_list<const char*> fields);
  // 503: not_ready while loading, models_failed (with the reason) when loading failed.
  ApiError NotReadyError() const {
    std::lock_guard<std::mutex> lock(load_mu);
    return load_status.ok() ? NotReady() : ApiError{503, "models_failed", load_status.ToString()};
  }
  // "" when no image was stored (annotated images off, or the store refused it).
  std::string ImageUrl(const Request& req, const std::string& id) const {
    if (id.empty()) return "";
    return BaseUrl(req, opts.public_url, allowed_hosts, opts.host, port) + "/static/" + id + ".jpg";
  }

  void PostRecommend(const Request& req, Response& res);
  void PostAnalyze(const Request& req, Response& res);
  void PostRecommendations(const Request& req, Response& res);
  void GetRecommendations(const Request& req, Response& res);
  void PostFeedback(const Request& req, Response& res);
  void PostDeviceMood(const Request& req, Response& res);
  void GetStatic(const Request& req, Response& res);
  // The answer's "warnings" array; storage faults among them are logged with their cause.
  nlohmann::ordered_json Warnings(const Response& res, const std::vector<Warning>& warnings) {
    for (const Warning& w : warnings) {
      if (w.code.rfind("history_", 0) != 0) continue;
      log->warn("{{\"event\":\"storage_error\",\"op\":\"{}\",\"rid\":\"{}\",\"error\":{}}}", w.code,
                res.get_header_value("X-Request-Id"), nlohmann::json(w.message).dump());
    }
    return WarningsJson(warnings);
  }
  void GetAsset(std::string_view name, Response& res);
};

HttpHandlers Server::Impl::Handlers() {
  HttpHandlers h;
  h.on_head = [this](Request& req, Response& res) {
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_header("X-Request-Id", RequestId(req));
    // Before any handler: nothing is stored from a request that is not valid UTF-8 (path,
    // query and headers here; the form fields once the body is read).
    if (auto invalid = InvalidUtf8InHead(req)) {
      ReplyError(req, res, *invalid);
      return true;
    }
    if (Guard(req, res)) return true;
    // Routed once, from the head: an unknown route or method is answered before any body.
    if (req.path.size() > 2048) {
      ReplyError(req, res, FromHttpStatus(414));
      return true;
    }
    bool other_method = false;
    Match(req, &other_method);
    if (req.route >= 0) return false;
    if (other_method) res.set_header("Allow", "GET, HEAD, POST, OPTIONS");
    ReplyError(req, res, FromHttpStatus(other_method ? 405 : 404));
    return true;
  };
  h.run_inline = [this](const Request& req) {
    return req.route >= 0 && routes[static_cast<std::size_t>(req.route)].light;
  };
  h.on_request = [this](Request& req, Response& res) { Dispatch(req, res); };
  h.on_error = [](const Request& req, Response& res, std::string_view code,
                  std::string_view message) {
    if (res.get_header_value("X-Request-Id").empty())
      res.set_header("X-Request-Id", RequestId(req));
    res.set_header("X-Content-Type-Options", "nosniff");
    ReplyError(req, res, {res.status, std::string(code), std::string(message)});
  };
  h.on_done = [this](const Request& req, const Response& res, double seconds,
                     std::size_t bytes_in) { AccessLog(req, res, seconds, bytes_in); };
  return h;
}

void Server::Impl::Match(Request& req, bool* other_method) const {
  *other_method = false;
  req.route = -1;
  req.matches.clear();
  // HEAD is answered as GET without the body (the transport drops it).
  const std::string& method = req.method == "HEAD" ? std::string("GET") : req.method;
  for (std::size_t i = 0; i < routes.size(); ++i) {
    const Route& r = routes[i];
    std::string segment;
    if (r.suffix.empty()) {
      if (req.path != r.path) continue;
    } else {
      const std::string& p = req.path;
      if (p.size() <= r.path.size() + r.suffix.size() || p.compare(0, r.path.size(), r.path) != 0 ||
          p.compare(p.size() - r.suffix.size(), r.suffix.size(), r.suffix) != 0)
        continue;
      segment = p.substr(r.path.size(), p.size() - r.path.size() - r.suffix.size());
      if (segment.find('/') != std::string::npos) continue;
    }
    if (r.method != method) {
      *other_method = true;
      continue;
    }
    req.route = static_cast<int>(i);
    req.matches.push_back(req.path);
    if (!r.suffix.empty()) req.matches.push_back(std::move(segment));
    return;
  }
}

void Server::Impl::Dispatch(Request& req, Response& res) {
  try {
    // The head was checked before the body was read; form fields are only here.
    if (auto invalid = InvalidUtf8InForm(req)) return ReplyError(req, res, *invalid);
    routes[static_cast<std::size_t>(req.route)].handler(req, res);
  } catch (const std::exception& e) {
    // The last-resort handler (STYLE rule 3): no exception text reaches the client.
    log->error("{{\"event\":\"exception\",\"rid\":\"{}\",\"path\":\"{}\",\"what\":{}}}",
               res.get_header_value("X-Request-Id"), RouteLabel(req.path),
               nlohmann::json(std::string(e.what())).dump());
    ReplyError(req, res, {500, "internal", "internal error"});
  }
}

bool Server::Impl::Guard(const Request& req, Response& res) {
  const std::string origin = req.get_header_value("Origin");
  const auto allowed_origin = AllowedOrigin(origin, cors_origins);
  if (allowed_origin) {
    res.set_header("Access-Control-Allow-Origin", *allowed_origin);
    res.set_header("Vary", "Origin");
    res.set_header("Access-Control-Expose-Headers", "Retry-After, X-Request-Id");
  }
  if (req.method == "OPTIONS") {
    // Preflights carry no credentials, so they are answered before the key check.
    const bool preflight = !origin.empty() && req.has_header("Access-Control-Request-Method");
    if (preflight && !allowed_origin) {
      ReplyError(req, res, {403, "origin_not_allowed", "this origin may not call the API"});
      return true;
    }
    if (preflight) {
      res.set_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
      res.set_header("Access-Control-Allow-Headers",
                     "Authorization, X-API-Key, Content-Type, X-Request-Id, X-Device-Id");
      res.set_header("Access-Control-Max-Age", "600");
    }
    res.set_header("Allow", "GET, POST, OPTIONS");
    res.status = 204;
    return true;
  }
  const std::string key =
      PresentedKey(req.get_header_value("Authorization"), req.get_header_value("X-API-Key"));
  const std::optional<std::string> digest = keys.required() ? keys.Match(key) : std::nullopt;
  if (limiter.enabled() && !ProbeRoute(req.path)) {
    // A valid key is its own bucket wherever it comes from; everything else (no key, a
    // wrong key) shares its peer address's bucket, which also slows key guessing.
    const auto d = limiter.Take(digest ? "key:" + digest->substr(0, 16) : "ip:" + req.remote_addr);
    if (!d.allowed) {
      res.set_header("Retry-After", std::to_string(d.retry_after_s));
      ReplyError(req, res,
                 {429, "rate_limited",
                  "too many requests; retry after the Retry-After "
                  "seconds"});
      return true;
    }
  }
  if (req.path == "/metrics" && !metrics_allow.empty() &&
      !AddressAllowed(req.remote_addr, metrics_allow)) {
    ReplyError(req, res, {403, "forbidden", "/metrics is not open to this address"});
    return true;
  }
  if (keys.required() && !digest && !OpenRoute(req.path)) {
    res.set_header("WWW-Authenticate", "Bearer");
    ReplyError(req, res,
               {401, "unauthorized",
                key.empty() ? "an API key is required (Authorization: Bearer or X-API-Key)"
                            : "the API key is not valid"});
    return true;
  }
  return false;
}

void Server::Impl::AccessLog(const Request& req, const Response& res, double seconds,
                             std::size_t bytes_in) {
  const std::string route = RouteLabel(req.path);
  metrics.ObserveRequest(route, req.method, res.status, seconds);
  if (!opts.access_log) return;
  // Route labels and ids only: no query strings, bodies, image bytes or header values.
  log->info(
      "{{\"rid\":\"{}\",\"method\":\"{}\",\"route\":\"{}\",\"status\":{},\"ms\":{:.2f},"
      "\"bytes_in\":{},\"bytes_out\":{},\"remote\":\"{}\"}}",
      res.get_header_value("X-Request-Id"), req.method.empty() ? "-" : req.method, route,
      res.status, seconds * 1e3, bytes_in, res.body.size(), req.remote_addr);
}

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

void Server::Impl::Routes() {
  using Handler = std::function<void(const Request&, Response&)>;
  auto add = [this](std::string method, std::string path, Handler h, bool light = false) {
    routes.push_back({std::move(method), std::move(path), "", light, std::move(h)});
  };
  auto bind = [this](void (Impl::*fn)(const Request&, Response&)) {
    return [this, fn](const Request& req, Response& res) { (this->*fn)(req, res); };
  };
  add("POST", "/recommend", bind(&Impl::PostRecommend));
  add("POST", "/v1/analyze", bind(&Impl::PostAnalyze));
  add("POST", "/v1/recommendations", bind(&Impl::PostRecommendations));
  add("GET", "/v1/recommendations", bind(&Impl::GetRecommendations));
  add("POST", "/v1/feedback", bind(&Impl::PostFeedback));
  add("POST", device::kMoodPath, bind(&Impl::PostDeviceMood));
  // Annotated images are drawn on their first fetch (tens of ms): a worker's job.
  routes.push_back({"GET", "/static/", ".jpg", false, bind(&Impl::GetStatic)});
  add(
      "GET", "/healthz",
      [](const Request&, Response& res) {
        ReplyJson(res, 200, {{"ok", true}});
      },
      true);
  add(
      "GET", "/readyz",
      [this](const Request& req, Response& res) {
        if (!service->ready()) return ReplyError(req, res, NotReadyError());
        nlohmann::ordered_json body = {{"ready", true}};
        if (!degraded.empty()) body["degraded"] = {degraded};
        ReplyJson(res, 200, body);
      },
      true);
  add(
      "GET", "/metrics",
      [this](const Request&, Response& res) {
        metrics.SetGauge("moodtune_models_ready", service->ready() ? 1 : 0);
        metrics.SetGauge("moodtune_static_images", static_cast<double>(images.size()));
        metrics.SetGauge("moodtune_catalogue_tracks", static_cast<double>(service->track_count()));
        res.set_content(metrics.Render(), "text/plain; version=0.0.4; charset=utf-8");
      },
      true);
  add(
      "GET", "/openapi.json",
      [this](const Request&, Response& res) { GetAsset("openapi.json", res); }, true);
  add(
      "GET", "/", [this](const Request&, Response& res) { GetAsset("index.html", res); }, true);
  for (const char* asset : {"app.js", "style.css"})
    add(
        "GET", std::string("/assets/") + asset,
        [this, asset](const Request&, Response& res) { GetAsset(asset, res); }, true);
}

Result<std::unique_ptr<Server>> Server::Create(const ServerOptions& o, AnalyzerLoader loader,
                                               std::shared_ptr<spdlog::logger> log) {
  MOODTUNE_RETURN_IF_ERROR(ValidateOptions(o));
  if (!loader) return Status::InvalidArgument("no analyzer loader");
  if (!log) {
    log = std::make_shared<spdlog::logger>("moodtune-serve",
                                           std::make_shared<spdlog::sinks::stderr_sink_mt>());
    log->set_pattern("%Y-%m-%dT%H:%M:%S.%e %l %v");
  }
  auto impl = std::make_unique<Impl>(o, std::move(loader), log);

  music::CatalogueOptions co;
  co.path = o.db.empty() ? music::DefaultDatabasePath(::getenv) : o.db;
  auto catalogue = music::Catalogue::Open(co);
  if (!catalogue.ok()) {
    // Issue 11: a read-only or missing data directory stopped the server. Serve the embedded
    // catalogue from memory instead, say so once, and report it on /readyz.
    impl->degraded = catalogue.status().message() +
                     "; serving the embedded catalogue from memory (imports and listener "
                     "history are not kept)";
    log->warn("{{\"event\":\"degraded\",\"what\":{}}}", nlohmann::json(impl->degraded).dump());
    music::CatalogueOptions memory = co;
    memory.path = ":memory:";
    catalogue = music::Catalogue::Open(memory);
    if (!catalogue.ok()) return catalogue.status();
  }
  auto tracks = (*catalogue)->AllTracks();
  if (!tracks.ok()) return tracks.status();
  if (tracks->empty()) return Status::InvalidArgument("the catalogue " + co.path + " is empty");
  DecodeOptions decode;
  decode.max_pixels = o.max_pixels;
  // Listener history: PostgreSQL when configured (shared by replicas), else the catalogue
  // file's own tables. A dead database never stops the server: it answers without history.
  std::unique_ptr<music::HistoryStore> history;
  if (o.database_url.empty()) {
    history = music::NewSqliteHistoryStore(std::move(catalogue).value());
  } else {
    music::HistoryStoreOptions ho;
    ho.database_url = o.database_url;
    auto pg = music::NewPostgresHistoryStore(ho);
    if (!pg.ok()) return pg.status();
    history = std::move(pg).value();
    Status probe = history->RecentPlays("-", 0).status();  // connects and migrates now
    log->log(probe.ok() ? spdlog::level::info : spdlog::level::warn,
             "{{\"event\":\"history_store\",\"url\":{},\"status\":{}}}",
             nlohmann::json(history->Describe()).dump(), nlohmann::json(probe.ToString()).dump());
  }
  impl->service =
      std::make_unique<MoodService>(std::move(history), std::move(tracks).value(), &impl->images,
                                    &impl->metrics, decode, o.jpeg_quality);
  if (!o.deezer_api_base.empty())
    impl->service->EnablePreviews(music::MakeHttpClient(), o.deezer_api_base);
  impl->Routes();
  // Issue 12: one request worker per core (0 = that many). OpenCV keeps its own threads:
  // measured with bench/server/run.sh, cv::setNumThreads(1) per worker gave the same
  // throughput at 16 connections (74.7 vs 73.4 req/s) and a slower single client (26.6 vs
  // 20.4 ms median), because one request alone then used one core (docs/service.md).
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  impl->workers = o.threads > 0 ? o.threads : cores;
  // Memory (issue 11): decoded images of 8 MB and more are mmapped, so they go back to the
  // system when freed (glibc's adaptive threshold kept 1.7 GB after a burst of large PNGs),
  // and the heap is trimmed only above 128 MB: setting the mmap threshold alone also fixed
  // the trim threshold at 128 KB, and the page faults of trimming and regrowing the heap on
  // every request cost 9 ms of a 20 ms request (measured).
  mallopt(M_MMAP_THRESHOLD, 8 << 20);
  mallopt(M_TRIM_THRESHOLD, 128 << 20);
  HttpServerOptions h;
  h.host = o.host;
  h.port = o.port;
  h.workers = impl->workers;
  h.max_queue = static_cast<std::size_t>(o.max_queue);
  h.max_connections = static_cast<std::size_t>(o.max_connections);
  // One address may hold at most half of the connections and of the body budget, so a
  // single client cannot lock everyone else out (and 200 slow clients still fit).
  h.max_connections_per_peer = std::max<std::size_t>(1, h.max_connections / 2);
  h.max_header_bytes = static_cast<std::uint32_t>(o.max_header_bytes);
  h.max_body_bytes = static_cast<std::uint64_t>(o.max_body_bytes);
  h.max_inflight_body_bytes = static_cast<std::uint64_t>(o.max_inflight_bytes);
  h.max_inflight_body_bytes_per_peer = std::max<std::uint64_t>(
      h.max_inflight_body_bytes / 2, static_cast<std::uint64_t>(o.max_body_bytes));
  h.head_timeout = h.body_timeout = std::chrono::seconds(o.read_timeout_s);
  h.idle_timeout = std::chrono::seconds(o.keep_alive_timeout_s);
  h.write_timeout = std::chrono::seconds(o.write_timeout_s);
  h.keep_alive_max = o.keep_alive_max;
  auto http = HttpServer::Bind(h, impl->Handlers());
  if (!http.ok()) return http.status();
  impl->http = std::move(http).value();
  impl->port = impl->http->port();
  log->info(
      "{{\"event\":\"bound\",\"url\":\"http://{}:{}\",\"workers\":{},\"tracks\":{},\"db\":{}}}",
      o.host, impl->port, impl->workers, impl->service->track_count(),
      nlohmann::json(co.path).dump());
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() {
  Stop();
  if (impl_->load_thread.joinable()) impl_->load_thread.join();
}

Status Server::Run() {
  Impl* impl = impl_.get();
  if (!impl->load_thread.joinable()) {
    impl->load_thread = std::thread([impl] {
      const auto t0 = Clock::now();
      auto analyzer = impl->loader();
      const double s = std::chrono::duration<double>(Clock::now() - t0).count();
      if (analyzer.ok()) {
        impl->service->SetAnalyzer(std::move(analyzer).value());
        impl->metrics.SetGauge("moodtune_model_load_seconds", s);
        impl->log->info("{{\"event\":\"models_ready\",\"seconds\":{:.3f}}}", s);
      } else {
        std::lock_guard<std::mutex> lock(impl->load_mu);
        impl->load_status = analyzer.status();
        impl->log->error("{{\"event\":\"models_failed\",\"error\":{}}}",
                         nlohmann::json(analyzer.status().ToString()).dump());
      }
    });
  }
  return impl->http->Run();
}

void Server::Stop() { impl_->http->Stop(); }
int Server::port() const { return impl_->port; }
bool Server::ready() const { return impl_->service->ready(); }
bool Server::listening() const { return impl_->http->running(); }
Status Server::load_status() const {
  std::lock_guard<std::mutex> lock(impl_->load_mu);
  return impl_->load_status;
}

}  // namespace moodtune::server
