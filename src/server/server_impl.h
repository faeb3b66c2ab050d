// Server::Impl, shared by server.cc (transport set-up, routing, access checks, start-up) and
// handlers.cc (the routes' handlers). Private to src/server.
// Thread-safety: see moodtune/server.h; handlers run on the worker pool, one request each.
#pragma once

#include <spdlog/spdlog.h>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "errors.h"
#include "http_server.h"
#include "http_util.h"
#include "image_store.h"
#include "live_sessions.h"
#include "metrics.h"
#include "moodtune/server.h"
#include "security.h"
#include "service.h"

namespace moodtune::server {

using Request = HttpRequest;
using Response = HttpResponse;
using Clock = std::chrono::steady_clock;

inline nlohmann::ordered_json WarningsJson(const std::vector<Warning>& warnings) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const Warning& w : warnings) out.push_back({{"code", w.code}, {"message", w.message}});
  return out;
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
  int port = 0;
  int workers = 1;
  std::thread load_thread;
  mutable std::mutex load_mu;
  Status load_status;
  std::string degraded;  // why the server runs degraded ("" = it does not); set before Run
  // Live mood sessions (issue 13; live_handlers.cc). One peer may hold half of them.
  LiveSessions live{LiveLimits{opts.live_max_sessions, std::min(opts.live_max_sessions_per_peer, std::max(1, opts.live_max_sessions / 2)),
                               std::chrono::seconds(opts.live_session_ttl_s), opts.live_max_fps},
                    LiveMoodOptions{}};

  // The routes: a method and an exact path, or a pattern whose groups land in req.matches.
  // Plain string matching (no regex: GCC's std::regex recurses per character, and routing
  // runs on the I/O thread for every request).
  struct Route {
    std::string method;
    std::string path;    // the exact path, or the prefix when `suffix` is set
    std::string suffix;  // set: path = prefix + one segment without '/' + suffix
    bool light = false;  // cheap: answered on the I/O thread
    std::function<void(const Request&, Response&)> handler;
    bool segment = false;  // set (suffix empty): path = prefix + one segment without '/'
    // Set: runs from the head, before the body is read; true when it answered the request
    // itself (a cheap refusal that must not cost the body or a worker).
    std::function<bool(const Request&, Response&)> admit;
  };
  std::vector<Route> routes;
  // Last, so it is destroyed first: its workers may still be running a handler that uses the
  // members above (found by ThreadSanitizer at shutdown).
  std::unique_ptr<HttpServer> http;

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
  // The frames route's `admit`: takes the session's frame token, so a client that sends too
  // fast is refused (429, or 404 for an unknown session) before its body is read or queued
  // for a worker. True when it answered.
  bool AdmitLiveFrame(const Request& req, Response& res);
  // The Allow header for `path`: the methods routed for it (HEAD with GET), then OPTIONS.
  std::string AllowedMethods(const std::string& path) const;
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
  // Live mood (live_handlers.cc): POST /v1/live, POST /v1/live/{id}/frames, GET and DELETE
  // /v1/live/{id}.
  void PostLive(const Request& req, Response& res);
  void PostLiveFrame(const Request& req, Response& res);
  void GetLive(const Request& req, Response& res);
  void DeleteLive(const Request& req, Response& res);
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

}  // namespace moodtune::server
