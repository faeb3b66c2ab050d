// The moodtune HTTP service: reference-compatible POST /recommend, the /v1 API, the device
// endpoint, static annotated images, health/metrics/OpenAPI and the embedded web page.
// Configuration lives in one struct (ServerOptions) filled from defaults, then a JSON config
// file, then MOODTUNE_* environment variables, then command-line flags (flags win).
// Thread-safety: Server::Run blocks its thread and serves requests on a worker pool; Stop,
// port, ready and listening may be called from any thread. Each request is independent:
// uploads stay in memory, annotated images live in an in-memory store keyed by random ids.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "moodtune/music/history_store.h"
#include "moodtune/music/http.h"
#include "moodtune/music/recommender.h"
#include "moodtune/status.h"
#include "moodtune/vision.h"

namespace spdlog {
class logger;
}

namespace moodtune::server {

struct ServerOptions {
  std::string host = "127.0.0.1";  // bind address; 0.0.0.0 exposes the service to the network
  int port = 8000;                 // TCP port; 0 picks a free one (see Server::port)
  std::string public_url;          // base of absolute URLs in answers ("" = see allowed_hosts)
  // Without public_url, a request's Host header is used for image URLs only when its host
  // name is in this comma list (case-insensitive, any port); others get http://<host>:<port>.
  std::string allowed_hosts = "localhost,127.0.0.1,[::1]";
  // Requests run on `threads` workers (0 = one per core); connections wait on one I/O thread
  // and cost memory, not workers, so slow or idle clients cannot take the workers.
  int threads = 0;
  int max_queue = 64;                     // requests waiting for a worker; more get 503
  int max_connections = 1024;             // open connections; more are closed at once
  int max_header_bytes = 16 << 10;        // request line + headers, total; more get 431
  std::int64_t max_body_bytes = 8 << 20;  // larger request bodies get 413 (any framing)
  std::int64_t max_inflight_bytes = 64 << 20;  // body bytes received and held; more get 503
  std::int64_t max_pixels = 16'000'000;   // larger images get 413 (decompression bombs)
  int read_timeout_s = 10;                // the whole head, then the whole body, within this
  int write_timeout_s = 10;               // the whole answer must be taken within this
  int keep_alive_max = 100;               // requests per keep-alive connection
  int keep_alive_timeout_s = 5;           // idle keep-alive connections close after this
  int static_max_images = 512;            // annotated images kept; the oldest go first
  int static_max_age_s = 3600;            // annotated images older than this are dropped
  int jpeg_quality = 85;                  // annotated image JPEG quality 1..100
  int default_n = 5;                      // tracks per answer when the request gives no n (1..100)
  std::string db;                         // catalogue SQLite file; "" = music::DefaultDatabasePath
  std::string database_url;  // PostgreSQL URL for listener history/feedback ("" = in `db`);
                             // holds the password: printed redacted, never logged
  std::string face_model = "models/blazeface/face_detection_back_256x256_barracuda.onnx";
  std::string emotion_model = "models/emotion/emotion.onnx";
  std::string emotion_backend = "auto";  // auto | opencv | onednn (ClassifierOptions::backend)
  std::string face_backend = "auto";     // auto | opencv | onednn (BlazeFaceOptions::backend)
  bool access_log = true;  // one structured line per request (never bodies)
  // Security and storage (issue 7; SECURITY.md). Lists are comma-separated strings so the
  // config file and MOODTUNE_* variables take the same text.
  std::string api_keys_sha256;  // SHA-256 hex of accepted API keys; "" = no key required
  int rate_limit_per_min = 0;   // requests a minute per key (or per IP without one); 0 = off
  int rate_limit_burst = 30;    // token-bucket size: requests allowed back to back
  std::string cors_origins;     // origins allowed cross-origin ("*" = any); "" = none
  std::string metrics_allow;    // peers allowed /metrics (IPs, IPv4 CIDR); "" = any
  bool store_annotated = true;  // false: no annotated image is drawn or kept (URLs null)
  // Annotated-image store budget, bytes: the uploads kept until their annotated image is
  // fetched (issue 12: 256 MiB let RSS reach 484 MB after 12 MP uploads). At 150 requests/s
  // of 40 KB photos, 32 MiB still keeps each one about 5 s; the page fetches it at once.
  std::int64_t static_max_bytes = 32 << 20;
  // Deezer API base for fresh preview links of recommended tracks with a Deezer id
  // ("https://api.deezer.com"); "" = no lookups (offline: answers say previews need one).
  std::string deezer_api_base;
  // Live mood sessions (issue 13; docs/service.md "Live mood"): in-memory, for clients that
  // send a camera frame about once a second.
  int live_max_sessions = 32;   // live sessions in all; more get 503
  int live_max_sessions_per_peer = 4;  // held by one address (at most half the total); more 429
  int live_max_fps = 2;         // frames a second per session (burst as many); more get 429
  int live_session_ttl_s = 60;  // a session without a frame for this long is deleted
};

// One configurable field: its config/env name and description, for docs and --help.
struct OptionInfo {
  std::string name;  // JSON key; env var is MOODTUNE_<NAME upper-case>
  std::string env;   // e.g. MOODTUNE_PORT
  std::string description;
  std::string default_value;  // rendered from ServerOptions{}
};
std::vector<OptionInfo> DescribeOptions();

// Applies a JSON object ({"port": 8080, "host": "0.0.0.0", ...}) onto `o`. InvalidArgument on
// bad JSON, an unknown key or a wrongly typed value.
Status ApplyConfigJson(std::string_view json_text, ServerOptions& o);
// Reads `path` and applies it (NotFound when it cannot be read).
Status ApplyConfigFile(const std::string& path, ServerOptions& o);
// Applies MOODTUNE_<NAME> variables found through `getenv` (injected for tests).
Status ApplyEnvironment(const std::function<const char*(const char*)>& getenv, ServerOptions& o);
// InvalidArgument naming the first out-of-range field.
Status ValidateOptions(const ServerOptions& o);
// The effective options as a JSON object (what --print-config shows).
std::string OptionsToJson(const ServerOptions& o);

// Builds the face+emotion analyzer; called once, on a background thread, when Run starts.
// Injected so tests can use other models (moodtune/app.h has the default).
using AnalyzerLoader = std::function<Result<std::shared_ptr<const Analyzer>>()>;

// What the server serves with, built by the composition root (moodtune/app.h:
// OpenServiceParts) and owned by the server from Create on. The server itself opens no
// database, reads no environment and loads no file but its embedded assets.
struct ServiceParts {
  std::unique_ptr<music::HistoryStore> history;  // listener plays and feedback (required)
  std::vector<music::Track> tracks;              // the catalogue served (required, non-empty)
  std::string catalogue_path;                    // where the tracks came from (logged)
  std::string degraded;  // why the service runs degraded, shown on /readyz ("" = it does not)
  std::unique_ptr<music::HttpClient> preview_client;  // Deezer preview lookups; null = off
  AnalyzerLoader loader;                              // required
};

class Server {
 public:
  // Takes the parts, sets up routes and binds host:port (Unavailable naming the address when
  // it is in use). Models load in the background once Run starts; /readyz answers 503 until
  // then. `log` receives the access log and events (nullptr: a logger on stderr).
  // InvalidArgument for bad options or missing parts.
  static Result<std::unique_ptr<Server>> Create(const ServerOptions& o, ServiceParts parts,
                                                std::shared_ptr<spdlog::logger> log = nullptr);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Serves until Stop(). Internal when the listener fails.
  Status Run();
  // Makes Run return; safe from any thread and from a signal-watching thread.
  void Stop();
  int port() const;        // the bound port
  bool ready() const;      // models loaded
  bool listening() const;  // Run is accepting connections
  // The model-loading error, if loading failed (OK while loading or after success).
  Status load_status() const;
  // The routes served, as an OpenAPI path template ("/v1/live/{id}") and an upper-case
  // method, in routing order; /openapi.json is tested against this list (both directions).
  std::vector<std::pair<std::string, std::string>> RouteTable() const;

 private:
  struct Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace moodtune::server
