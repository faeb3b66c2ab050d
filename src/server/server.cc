// Server: the HTTP transport's set-up (limits, timeouts, worker pool, access log, metrics),
// routing and access checks, start-up (model loading in the background) and shutdown. The
// stores and clients come built from the composition root (moodtune/app.h). The
// handlers are in handlers.cc; Server::Impl in server_impl.h.
#include <spdlog/sinks/stdout_sinks.h>

#include "assets.h"
#include "moodtune/device_protocol.h"
#include "server_impl.h"
#include "views.h"

namespace moodtune::server {
namespace {

// Routes anyone may fetch without an API key: probes, the web page and its assets, the API
// description, and annotated images (capability URLs: 128-bit random ids that <img> tags
// fetch without headers).
bool OpenRoute(const std::string& path) {
  return path == "/healthz" || path == "/readyz" || path == "/" || path == "/openapi.json" ||
         path.rfind("/assets/", 0) == 0 || path.rfind("/static/", 0) == 0;
}

// Health probes are never rate limited (an orchestrator must see the truth).
bool ProbeRoute(const std::string& path) { return path == "/healthz" || path == "/readyz"; }

}  // namespace

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
    if (req.route >= 0) {
      const Route& r = routes[static_cast<std::size_t>(req.route)];
      return r.admit && r.admit(req, res);
    }
    if (other_method) res.set_header("Allow", AllowedMethods(req.path));
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
    if (r.suffix.empty() && !r.segment) {
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
    if (!r.suffix.empty() || r.segment) req.matches.push_back(std::move(segment));
    return;
  }
}

std::string Server::Impl::AllowedMethods(const std::string& path) const {
  std::string out;
  for (const char* method : {"GET", "HEAD", "POST", "DELETE"}) {
    Request probe;
    probe.method = method;
    probe.path = path;
    bool other = false;
    Match(probe, &other);
    if (probe.route >= 0) out += std::string(out.empty() ? "" : ", ") + method;
  }
  return out + (out.empty() ? "" : ", ") + "OPTIONS";
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
      res.set_header("Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS");
      res.set_header("Access-Control-Allow-Headers",
                     "Authorization, X-API-Key, Content-Type, X-Request-Id, X-Device-Id");
      res.set_header("Access-Control-Max-Age", "600");
    }
    res.set_header("Allow", "GET, POST, DELETE, OPTIONS");
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
  const std::string_view method = MethodLabel(req.method);
  metrics.ObserveRequest(route, method, res.status, seconds);
  if (!opts.access_log) return;
  // Route labels and ids only: no query strings, bodies, image bytes or header values.
  log->info(
      "{{\"rid\":\"{}\",\"method\":\"{}\",\"route\":\"{}\",\"status\":{},\"ms\":{:.2f},"
      "\"bytes_in\":{},\"bytes_out\":{},\"remote\":\"{}\"}}",
      res.get_header_value("X-Request-Id"), method, route,
      res.status, seconds * 1e3, bytes_in, res.body.size(), req.remote_addr);
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
  // Live mood (issue 13; live_handlers.cc). Frames are analysed: a worker's job.
  add("POST", "/v1/live", bind(&Impl::PostLive), true);
  routes.push_back({"POST", "/v1/live/", "/frames", false, bind(&Impl::PostLiveFrame)});
  routes.back().admit = [this](const Request& req, Response& res) {
    return AdmitLiveFrame(req, res);
  };
  routes.push_back({"GET", "/v1/live/", "", true, bind(&Impl::GetLive), true});
  routes.push_back({"DELETE", "/v1/live/", "", true, bind(&Impl::DeleteLive), true});
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

Result<std::unique_ptr<Server>> Server::Create(const ServerOptions& o, ServiceParts parts,
                                               std::shared_ptr<spdlog::logger> log) {
  MOODTUNE_RETURN_IF_ERROR(ValidateOptions(o));
  if (!parts.loader) return Status::InvalidArgument("no analyzer loader");
  if (!parts.history) return Status::InvalidArgument("no listener-history store");
  if (parts.tracks.empty()) return Status::InvalidArgument("no tracks to serve");
  if (!log) {
    log = std::make_shared<spdlog::logger>("moodtune-serve",
                                           std::make_shared<spdlog::sinks::stderr_sink_mt>());
    log->set_pattern("%Y-%m-%dT%H:%M:%S.%e %l %v");
  }
  auto impl = std::make_unique<Impl>(o, std::move(parts.loader), log);
  impl->degraded = std::move(parts.degraded);
  DecodeOptions decode;
  decode.max_pixels = o.max_pixels;
  impl->service =
      std::make_unique<MoodService>(std::move(parts.history), std::move(parts.tracks),
                                    &impl->images, &impl->metrics, decode, o.jpeg_quality);
  if (parts.preview_client && !o.deezer_api_base.empty())
    impl->service->EnablePreviews(std::move(parts.preview_client), o.deezer_api_base);
  impl->Routes();
  // Issue 12: one request worker per core (0 = that many). OpenCV keeps its own threads:
  // measured with bench/server/run.sh, cv::setNumThreads(1) per worker gave the same
  // throughput at 16 connections (74.7 vs 73.4 req/s) and a slower single client (26.6 vs
  // 20.4 ms median), because one request alone then used one core (docs/service.md).
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  impl->workers = o.threads > 0 ? o.threads : cores;
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
      nlohmann::json(parts.catalogue_path).dump());
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() {
  Stop();
  if (impl_->load_thread.joinable()) impl_->load_thread.join();
  impl_->http.reset();  // joins the workers while everything they use is still there
}

Status Server::Run() {
  Impl* impl = impl_.get();
  if (!impl->load_thread.joinable()) {
    impl->load_thread = std::thread([impl] {
      const auto t0 = Clock::now();
      auto analyzer = impl->loader();
      const double s = std::chrono::duration<double>(Clock::now() - t0).count();
      if (analyzer.ok()) {
        const std::string backends = (*analyzer)->Describe();
        impl->service->SetAnalyzer(std::move(analyzer).value());
        impl->metrics.SetGauge("moodtune_model_load_seconds", s);
        impl->log->info("{{\"event\":\"models_ready\",\"seconds\":{:.3f},\"backends\":{}}}", s,
                        nlohmann::json(backends).dump());
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
std::vector<std::pair<std::string, std::string>> Server::RouteTable() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const Impl::Route& r : impl_->routes) {
    const bool templated = !r.suffix.empty() || r.segment;
    out.emplace_back(templated ? r.path + "{id}" + r.suffix : r.path, r.method);
  }
  return out;
}

Status Server::load_status() const {
  std::lock_guard<std::mutex> lock(impl_->load_mu);
  return impl_->load_status;
}

}  // namespace moodtune::server
