// The HTTP transport: Boost.Beast on Boost.Asio. Connections live on a few I/O threads and
// cost memory, not threads; requests run on a fixed worker pool (one per core by default).
// Every limit holds whatever the framing: the head has a total size limit and a deadline, the
// body has a size limit that counts decoded chunked bytes and a deadline, bodies held at once
// have a byte budget, and the worker queue is bounded (503 + Retry-After beyond it).
// Framing is Beast's strict HTTP/1.1 parser; a connection whose request was answered before
// its body was read (401, 429, ...) is closed, so no body is ever read as a request.
// Why Beast, and the measurements behind it: docs/service.md ("HTTP layer").
// Thread-safety: Run blocks its thread; Stop, port and running may be called from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "http_message.h"
#include "moodtune/status.h"

namespace moodtune::server {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;                                      // 0 = any free port (see HttpServer::port)
  int io_threads = 1;                                // threads that read and write sockets
  int workers = 2;                                   // threads that run handlers
  std::size_t max_queue = 64;                        // requests waiting for a worker; 503 beyond
  std::size_t max_connections = 1024;                // open connections; more are closed at once
  std::size_t max_connections_per_peer = 128;        // open connections from one address
  std::uint32_t max_header_bytes = 16 << 10;         // request line + headers; 431 beyond
  std::uint64_t max_body_bytes = 8 << 20;            // decoded body (any framing); 413 beyond
  std::uint64_t max_inflight_body_bytes = 64 << 20;  // body bytes received and held; 503 beyond
  std::uint64_t max_inflight_body_bytes_per_peer = 16 << 20;  // the same, from one address
  std::chrono::milliseconds head_timeout{10'000};             // the whole head must arrive within
  std::chrono::milliseconds body_timeout{10'000};             // then the whole body within
  std::chrono::milliseconds idle_timeout{5'000};              // keep-alive wait for the next head
  std::chrono::milliseconds write_timeout{10'000};  // the whole answer must be taken within
  int keep_alive_max = 100;                         // requests per connection
  std::chrono::milliseconds stop_grace{5'000};      // Stop waits this long for started requests
};

struct HttpHandlers {
  // On an I/O thread once the head is read, before any body byte: true when it answered
  // (`res` is sent; when a body was announced the connection closes, unread). Must be cheap.
  // May route the request (set req.route / req.matches) for on_request.
  std::function<bool(HttpRequest&, HttpResponse&)> on_head;
  // True for cheap routes answered on the I/O thread (health probes, small static files), so
  // they stay fast when the workers are busy.
  std::function<bool(const HttpRequest&)> run_inline;
  // The request, body read and decoded: on a worker (or the I/O thread, see run_inline).
  std::function<void(HttpRequest&, HttpResponse&)> on_request;
  // Answers the transport gives itself: 400 malformed, 413 too large, 415 encoded body,
  // 431 head too large, 503 busy. Fills `res` (status already set).
  std::function<void(const HttpRequest&, HttpResponse&, std::string_view code,
                     std::string_view message)>
      on_error;
  // After every answer is written (or failed): access log and metrics. Any thread.
  std::function<void(const HttpRequest&, const HttpResponse&, double seconds, std::size_t bytes_in)>
      on_done;
};

class HttpServer {
 public:
  // Binds host:port (SO_REUSEADDR only: a port in use is Unavailable).
  static Result<std::unique_ptr<HttpServer>> Bind(const HttpServerOptions& o, HttpHandlers h);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  Status Run();  // serves until Stop
  // Stops accepting, lets requests already started finish (up to stop_grace), then makes Run
  // return. Blocks for that time; call it from any thread but an I/O thread.
  void Stop();
  int port() const;
  bool running() const;

  struct Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace moodtune::server
