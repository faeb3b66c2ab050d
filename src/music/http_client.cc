// cpp-httplib adapter for HttpClient. httplib's timeouts apply per socket operation, so a
// server trickling bytes could stretch a request; each call therefore runs on a worker
// thread and the caller stops waiting at the deadline (the worker is told to stop and
// finishes on its own socket timeouts, owning everything it touches).
#include <httplib.h>

#include <cctype>
#include <future>
#include <thread>

#include "moodtune/music/http.h"

namespace moodtune::music {

std::string HttpResponse::Header(std::string_view name) const {
  std::string n(name);
  for (auto& c : n) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto it = headers.find(n);
  return it == headers.end() ? std::string() : it->second;
}

Result<std::pair<std::string, std::string>> SplitUrl(std::string_view url) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return Status::InvalidArgument("not a URL");
  const std::string_view scheme = url.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https")
    return Status::InvalidArgument("URL scheme must be http or https");
  const size_t path_start = url.find('/', scheme_end + 3);
  std::string base(url.substr(0, path_start));
  std::string path = path_start == std::string_view::npos ? "/" : std::string(url.substr(path_start));
  if (base.size() <= scheme_end + 3) return Status::InvalidArgument("URL without host");
  return std::pair{std::move(base), std::move(path)};
}

namespace {

class HttplibClient final : public HttpClient {
 public:
  Result<HttpResponse> Send(const HttpRequest& req, Millis timeout) override {
    auto parts = SplitUrl(req.url);
    if (!parts.ok()) return parts.status();
    if (timeout <= Millis(0)) return Status::DeadlineExceeded("no time left for the request");
    auto client = std::make_shared<httplib::Client>(parts->first);
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(timeout).count();
    client->set_connection_timeout(us / 1000000, us % 1000000);
    client->set_read_timeout(us / 1000000, us % 1000000);
    client->set_write_timeout(us / 1000000, us % 1000000);
    client->set_follow_location(false);
    client->set_keep_alive(false);
    httplib::Headers headers;
    for (const auto& [k, v] : req.headers) headers.emplace(k, v);
    auto promise = std::make_shared<std::promise<Result<HttpResponse>>>();
    auto future = promise->get_future();
    std::thread([client, promise, headers = std::move(headers), method = req.method,
                 path = std::move(parts->second), body = req.body, type = req.content_type] {
      httplib::Result r = method == "POST"
                              ? client->Post(path.c_str(), headers, body, type.c_str())
                              : client->Get(path.c_str(), headers);
      if (!r) {
        const auto err = r.error();
        promise->set_value(err == httplib::Error::ConnectionTimeout ||
                                   err == httplib::Error::Read || err == httplib::Error::Write
                               ? Status::DeadlineExceeded("request timed out or broke off (" +
                                                          httplib::to_string(err) + ")")
                               : Status::Unavailable("request failed (" +
                                                     httplib::to_string(err) + ")"));
        return;
      }
      HttpResponse out;
      out.status = r->status;
      out.body = r->body;
      for (const auto& [k, v] : r->headers) {
        std::string n = k;
        for (auto& c : n) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        out.headers[n] = v;
      }
      promise->set_value(std::move(out));
    }).detach();
    // A little grace over the socket timeouts so that a clean timeout reports its own error.
    if (future.wait_for(timeout + Millis(50)) != std::future_status::ready) {
      client->stop();
      return Status::DeadlineExceeded("no complete answer within " +
                                      std::to_string(timeout.count()) + " ms");
    }
    return future.get();
  }
};

class SteadyClock final : public Clock {
 public:
  TimePoint Now() override { return std::chrono::steady_clock::now(); }
  void SleepFor(Millis d) override { std::this_thread::sleep_for(d); }
};

}  // namespace

std::unique_ptr<HttpClient> MakeHttpClient() { return std::make_unique<HttplibClient>(); }

Clock& SystemClock() {
  static SteadyClock clock;  // stateless; safe to share
  return clock;
}

}  // namespace moodtune::music
