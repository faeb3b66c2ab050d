#include "http_server.h"

#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "form.h"
#include "peer_budget.h"
#include "worker_pool.h"

namespace moodtune::server {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

}  // namespace

struct HttpServer::Impl {
  // Declared before the io_context: sessions it still holds when destroyed touch these.
  HttpServerOptions opts;
  HttpHandlers handlers;
  std::unique_ptr<PeerBudget> budget;  // connections and body bytes, per peer (set in Bind)
  // Requests between their head and their answer's last byte (Stop waits for them).
  std::atomic<int> active{0};
  std::atomic<bool> running{false};
  std::atomic<bool> stopped{false};
  int port = 0;
  net::io_context ioc;
  tcp::acceptor acceptor{ioc};
  net::steady_timer accept_retry{ioc};
  std::unique_ptr<WorkerPool> pool;

  void Accept();
};

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  // `remote` was admitted (HttpServer::Impl::Admit) by the caller.
  Session(tcp::socket&& socket, HttpServer::Impl& server, std::string remote)
      : stream_(std::move(socket)),
        server_(server),
        // Heads are bounded by the parser; this bounds what Beast buffers while it looks for
        // the end of a chunk-size line or trailer, which the parser does not limit.
        buffer_(server.opts.max_header_bytes + (64u << 10)),
        remote_(std::move(remote)) {
    beast::error_code ec;
    stream_.socket().set_option(tcp::no_delay(true), ec);  // headers and body in one flush
  }
  ~Session() {
    if (in_request_) --server_.active;
    server_.budget->Leave(remote_, reserved_);
  }

  void Start() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->ReadHead(); });
  }

 private:
  const HttpServerOptions& opts() const { return server_.opts; }

  void ReadHead() {
    parser_.emplace();
    parser_->header_limit(opts().max_header_bytes);
    parser_->body_limit(opts().max_body_bytes);
    req_ = HttpRequest{};
    res_ = HttpResponse{};
    stream_.expires_after(served_ == 0 ? opts().head_timeout : opts().idle_timeout);
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnHead(ec); });
  }

  void OnHead(beast::error_code ec) {
    start_ = Clock::now();
    if (!ec || buffer_.size() > 0) {
      in_request_ = true;
      ++server_.active;
    }
    if (ec) {
      // A client that went away, or an idle/slow one past its deadline: nothing to answer
      // (the stream is already closed on a timeout).
      if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
          ec == net::error::operation_aborted || ec == net::error::connection_reset ||
          ec == net::error::eof)
        return Close();
      // Beast checks a Content-Length against the body limit while it reads the head (the
      // head is complete then: its path decides the answer's format).
      if (ec == http::error::body_limit && !FillHead()) return;
      if (ec == http::error::body_limit)
        return Fail(413, "payload_too_large",
                    "the body exceeds " + std::to_string(opts().max_body_bytes) + " bytes");
      if (ec == http::error::header_limit || ec == http::error::buffer_overflow)
        return Fail(431, "headers_too_large",
                    "request line and headers exceed " + std::to_string(opts().max_header_bytes) +
                        " bytes");
      return Fail(400, "bad_request", "malformed HTTP request");
    }
    if (!FillHead()) return;
    // Only "chunked" (last, HTTP/1.1) frames a body besides Content-Length; any other
    // transfer coding would leave the body to be read as the next request (RFC 9112 6.3).
    if (req_.has_header("Transfer-Encoding") &&
        (!parser_->chunked() || parser_->get().version() < 11 ||
         !IEquals(req_.get_header_value("Transfer-Encoding"), "chunked")))
      return Fail(400, "bad_request", "only Transfer-Encoding: chunked is accepted");
    // We never decode compressed bodies: a small gzip body must not become a large one.
    const std::string encoding = req_.get_header_value("Content-Encoding");
    if (!encoding.empty() && !IEquals(encoding, "identity"))
      return Fail(415, "unsupported_media_type", "compressed request bodies are not accepted");
    const auto length = parser_->content_length();
    if (length && *length > opts().max_body_bytes)
      return Fail(413, "payload_too_large",
                  "the body exceeds " + std::to_string(opts().max_body_bytes) + " bytes");
    if (server_.handlers.on_head && server_.handlers.on_head(req_, res_)) {
      // A body (if any) is unread: it must never be taken as a request, so the connection
      // closes unless there is none.
      res_.close = res_.close || !parser_->is_done();
      if (!res_.close)
        keep_alive_ = parser_->get().keep_alive() && served_ + 1 < opts().keep_alive_max;
      return Send();
    }
    if (IEquals(req_.get_header_value("Expect"), "100-continue") && !parser_->is_done()) {
      continue_.emplace(http::status::continue_, parser_->get().version());
      return http::async_write(stream_, *continue_,
                               [self = shared_from_this()](beast::error_code e, std::size_t) {
                                 if (e) return self->Close();
                                 self->ReadBody();
                               });
    }
    if (parser_->is_done()) return OnBody({});  // no body
    ReadBody();
  }

  // Fills req_ from the parsed head; false when it answered (the target is not acceptable).
  bool FillHead() {
    const auto& msg = parser_->get();
    req_.method = std::string(msg.method_string());
    req_.target = std::string(msg.target());
    req_.remote_addr = remote_;
    for (const auto& f : msg) req_.headers.emplace_back(f.name_string(), f.value());
    // Origin-form targets only ("/path?query"): no absolute or authority forms.
    if (req_.target.empty() || req_.target.front() != '/') {
      Fail(400, "bad_request", "the request target must start with /");
      return false;
    }
    const std::size_t q = req_.target.find('?');
    auto path = PercentDecode(std::string_view(req_.target).substr(0, q), false);
    if (!path) {
      Fail(400, "bad_request", "bad percent-encoding in the path");
      return false;
    }
    req_.path = std::move(*path);
    if (q != std::string::npos) {
      auto params = ParseUrlEncoded(std::string_view(req_.target).substr(q + 1));
      if (!params.ok()) {
        Fail(400, "bad_request", params.status().message());
        return false;
      }
      req_.params = std::move(params).value();
    }
    return true;
  }

  void ReadBody() {
    stream_.expires_after(opts().body_timeout);
    ReadSomeBody();
  }

  // The body is read piece by piece so that the bytes actually received count against the
  // server's body budget (max_inflight_body_bytes): a client that only announces a large body
  // holds nothing, and the budget is what is really in memory (bodies being read or waiting
  // for a worker).
  void ReadSomeBody() {
    http::async_read_some(
        stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
          if (!ec && !self->Account()) return self->Busy();
          if (ec == http::error::buffer_overflow)
            return self->Fail(400, "bad_request", "a chunk-size line or trailer is too long");
          if (ec || self->parser_->is_done()) return self->OnBody(ec);
          self->ReadSomeBody();
        });
  }

  // Takes the body's growth since the last read from the budget; false when it is spent.
  bool Account() {
    const std::uint64_t held = parser_->get().body().size();
    if (held <= reserved_) return true;
    if (!server_.budget->Reserve(remote_, held - reserved_)) return false;
    reserved_ = held;
    return true;
  }

  void OnBody(beast::error_code ec) {
    if (ec) {
      if (ec == http::error::body_limit)
        return Fail(413, "payload_too_large",
                    "the body exceeds " + std::to_string(opts().max_body_bytes) + " bytes");
      if (ec == beast::error::timeout || ec == net::error::operation_aborted ||
          ec == net::error::connection_reset || ec == net::error::eof ||
          ec == http::error::partial_message)
        return Close();
      return Fail(400, "bad_request", "malformed HTTP request body");
    }
    stream_.expires_never();  // the handler's time is not the client's
    auto msg = parser_->release();
    keep_alive_ = msg.keep_alive() && served_ + 1 < opts().keep_alive_max;
    req_.body = std::move(msg.body());
    const std::string media = MediaType(req_.get_header_value("Content-Type"));
    if (media == "application/x-www-form-urlencoded") {
      auto form = ParseUrlEncoded(req_.body);
      if (!form.ok()) return Fail(400, "bad_request", form.status().message());
      for (auto& kv : *form) req_.params.push_back(std::move(kv));
    } else if (media == "multipart/form-data") {
      auto boundary = MultipartBoundary(req_.get_header_value("Content-Type"));
      if (!boundary)
        return Fail(400, "bad_request", "multipart/form-data needs a valid boundary parameter");
      auto parts = ParseMultipart(req_.body, *boundary);
      if (!parts.ok()) return Fail(400, "bad_request", parts.status().message());
      req_.parts = std::move(parts).value();
    }
    if (server_.handlers.run_inline && server_.handlers.run_inline(req_)) {
      Handle();
      return Send();
    }
    const bool queued = server_.pool->TrySubmit([self = shared_from_this()] {
      self->Handle();
      net::post(self->stream_.get_executor(), [self] { self->Send(); });
    });
    if (!queued) Busy();
  }

  void Handle() {
    try {
      server_.handlers.on_request(req_, res_);
    } catch (...) {  // the handlers catch their own; this is the last resort
      res_ = HttpResponse{};
      res_.status = 500;
      if (server_.handlers.on_error)
        server_.handlers.on_error(req_, res_, "internal", "internal error");
    }
  }

  // An answer the transport gives itself; the connection closes after it.
  void Fail(int status, std::string_view code, const std::string& message) {
    res_.body.clear();  // headers set from the head (CORS, request id) stay
    res_.status = status;
    res_.close = true;
    if (server_.handlers.on_error) server_.handlers.on_error(req_, res_, code, message);
    Send();
  }

  void Busy() {
    res_.body.clear();
    res_.status = 503;
    res_.close = true;
    res_.set_header("Retry-After", "1");
    if (server_.handlers.on_error)
      server_.handlers.on_error(req_, res_, "overloaded",
                                "the server is busy; retry after the Retry-After seconds");
    Send();
  }

  void Send() {
    const bool close = res_.close || !keep_alive_ || server_.stopped;
    if (server_.handlers.on_done) {
      const double seconds = std::chrono::duration<double>(Clock::now() - start_).count();
      server_.handlers.on_done(req_, res_, seconds, req_.body.size());
    }
    Release();  // the request body is no longer held (req_ is reset before the next read)
    req_.body.clear();
    req_.body.shrink_to_fit();
    req_.parts.clear();
    if (close) parser_.reset();  // a partly read body is not held through the drain
    stream_.expires_after(opts().write_timeout);
    auto done = [self = shared_from_this(), close](beast::error_code ec, std::size_t) {
      self->out_.reset();
      self->head_out_.reset();
      if (self->in_request_) --self->server_.active;
      self->in_request_ = false;
      if (ec) return self->Close();
      if (close) return self->Linger();
      ++self->served_;
      self->ReadHead();
    };
    if (req_.method == "HEAD") {
      // The head of the answer a GET would get: its Content-Length, no body (a body here
      // would be read as the start of the next answer).
      head_out_.emplace();
      head_out_->version(11);
      head_out_->result(static_cast<unsigned>(res_.status));
      for (auto& [k, v] : res_.headers) head_out_->set(k, v);
      head_out_->content_length(res_.body.size());
      head_out_->keep_alive(!close);
      return http::async_write(stream_, *head_out_, std::move(done));
    }
    out_.emplace();
    out_->version(11);
    out_->result(static_cast<unsigned>(res_.status));
    for (auto& [k, v] : res_.headers) out_->set(k, v);
    out_->body() = std::move(res_.body);
    out_->keep_alive(!close);
    out_->prepare_payload();
    http::async_write(stream_, *out_, std::move(done));
  }

  void Close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.close();
  }

  // Closing with unread request bytes makes TCP reset the connection, and the client may
  // lose the answer (a 413 read as "connection reset"). Stop sending, then read and drop what
  // the client still sends, for a bounded time and amount, before closing.
  void Linger() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return stream_.close();
    stream_.expires_after(std::chrono::seconds(2));
    drain_.resize(16 << 10);
    Drain();
  }
  void Drain() {
    stream_.async_read_some(net::buffer(drain_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->drained_ += n;
                              if (ec || self->drained_ > (1u << 20)) return self->stream_.close();
                              self->Drain();
                            });
  }

  void Release() {
    if (reserved_ > 0) server_.budget->Unreserve(remote_, reserved_);
    reserved_ = 0;
  }

  beast::tcp_stream stream_;
  HttpServer::Impl& server_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::empty_body>> continue_;
  std::optional<http::response<http::string_body>> out_;
  std::optional<http::response<http::empty_body>> head_out_;
  HttpRequest req_;
  HttpResponse res_;
  std::string remote_;
  std::string drain_;
  std::size_t drained_ = 0;
  std::uint64_t reserved_ = 0;
  bool in_request_ = false;  // counted in server_.active
  int served_ = 0;
  bool keep_alive_ = false;
  Clock::time_point start_ = Clock::now();
};

}  // namespace

void HttpServer::Impl::Accept() {
  acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (stopped) return;
    if (ec) {
      if (ec == net::error::operation_aborted) return;
      // Out of file descriptors (or similar): wait a little instead of spinning.
      accept_retry.expires_after(std::chrono::milliseconds(50));
      accept_retry.async_wait([this](beast::error_code) { Accept(); });
      return;
    }
    beast::error_code peer_ec;
    const auto peer = socket.remote_endpoint(peer_ec);
    std::string remote = peer_ec ? std::string() : peer.address().to_string();
    if (!budget->Admit(remote)) {
      beast::error_code ignored;
      socket.close(ignored);
    } else {
      std::make_shared<Session>(std::move(socket), *this, std::move(remote))->Start();
    }
    Accept();
  });
}

Result<std::unique_ptr<HttpServer>> HttpServer::Bind(const HttpServerOptions& o, HttpHandlers h) {
  if (!h.on_request) return Status::InvalidArgument("http: no request handler");
  auto impl = std::make_unique<Impl>();
  impl->opts = o;
  impl->budget = std::make_unique<PeerBudget>(
      PeerBudgetLimits{o.max_connections, o.max_connections_per_peer, o.max_inflight_body_bytes,
                       o.max_inflight_body_bytes_per_peer});
  impl->handlers = std::move(h);
  beast::error_code ec;
  tcp::resolver resolver(impl->ioc);
  const auto endpoints =
      resolver.resolve(o.host, std::to_string(o.port), tcp::resolver::passive, ec);
  if (ec || endpoints.empty())
    return Status::Unavailable("cannot resolve bind address " + o.host + ": " + ec.message());
  const tcp::endpoint endpoint = endpoints.begin()->endpoint();
  auto& a = impl->acceptor;
  const std::string where = o.host + ":" + std::to_string(o.port);
  if (a.open(endpoint.protocol(), ec); ec)
    return Status::Unavailable("cannot open a socket for " + where + ": " + ec.message());
  // SO_REUSEADDR only (restart while old connections sit in TIME_WAIT): no SO_REUSEPORT, so
  // a second server on a port in use fails here (issue 11).
  a.set_option(net::socket_base::reuse_address(true), ec);
  if (a.bind(endpoint, ec); ec)
    return Status::Unavailable("cannot listen on " + where + ": " + ec.message() +
                               " (another moodtune serve? choose another --port)");
  if (a.listen(net::socket_base::max_listen_connections, ec); ec)
    return Status::Unavailable("cannot listen on " + where + ": " + ec.message());
  impl->port = a.local_endpoint().port();
  impl->pool = std::make_unique<WorkerPool>(std::max(1, o.workers), o.max_queue);
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() {
  Stop();
  impl_->pool->Stop();  // before the io_context (and the sessions it holds) go
}

Status HttpServer::Run() {
  Impl& s = *impl_;
  if (s.stopped) return Status::Ok();
  s.Accept();
  s.running = true;
  std::vector<std::thread> extra;
  for (int i = 1; i < std::max(1, s.opts.io_threads); ++i)
    extra.emplace_back([&s] { s.ioc.run(); });
  s.ioc.run();
  for (auto& t : extra) t.join();
  s.running = false;
  return Status::Ok();
}

void HttpServer::Stop() {
  Impl& s = *impl_;
  if (s.stopped.exchange(true)) return;
  // No new connections; requests already started get their answers (each connection closes
  // after its answer), for up to the grace time; then everything stops.
  net::post(s.ioc, [&s] {
    beast::error_code ec;
    s.acceptor.close(ec);
    s.accept_retry.cancel();
  });
  const auto grace = Clock::now() + s.opts.stop_grace;
  while (s.running && s.active.load() > 0 && Clock::now() < grace)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  s.ioc.stop();
}

int HttpServer::port() const { return impl_->port; }
bool HttpServer::running() const { return impl_->running; }

}  // namespace moodtune::server
