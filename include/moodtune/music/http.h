// Injected network and clock for the live music providers: a minimal HTTP client
// interface (real one on cpp-httplib, fakes in tests) and a steady clock that can sleep.
// Thread-safety: MakeHttpClient()'s client and SystemClock() are safe to share between
// threads; fakes document their own rules.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "moodtune/status.h"

namespace moodtune::music {

using Millis = std::chrono::milliseconds;

struct HttpRequest {
  std::string method = "GET";  // GET or POST
  std::string url;             // absolute: http(s)://host[:port]/path?query
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;            // POST only
  std::string content_type;    // POST only, e.g. application/x-www-form-urlencoded
};

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  // Header value or "" (name is matched lower-cased).
  std::string Header(std::string_view name) const;
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Sends one request and waits at most `timeout` (connect + send + whole answer). Any
  // HTTP status is a successful Result; DeadlineExceeded when the time ran out,
  // Unavailable when the host cannot be reached or the connection broke, InvalidArgument
  // for a URL it cannot parse. Never logs headers (they carry secrets).
  virtual Result<HttpResponse> Send(const HttpRequest& req, Millis timeout) = 0;
};

// cpp-httplib (Debian's compiled build, with OpenSSL: https:// works and certificates are
// verified against the system store). Does not follow redirects.
std::unique_ptr<HttpClient> MakeHttpClient();

// Steady time for budgets, token lifetimes, cache TTLs and Retry-After waits.
class Clock {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  virtual ~Clock() = default;
  virtual TimePoint Now() = 0;
  virtual void SleepFor(Millis d) = 0;
};
// The process's steady clock; a shared instance that lives for the whole program.
Clock& SystemClock();

// Splits "https://host:port/p?q" into "https://host:port" and "/p?q" ("/" when empty).
// InvalidArgument unless the scheme is http or https and the host is non-empty.
Result<std::pair<std::string, std::string>> SplitUrl(std::string_view url);

// "a=1&b=x%20y" from pairs, values percent-encoded (RFC 3986).
std::string FormEncode(const std::vector<std::pair<std::string, std::string>>& kv);

// Standard base64 (with padding) and the URL-safe alphabet without padding (PKCE).
std::string Base64(std::string_view bytes);
std::string Base64Url(std::string_view bytes);

}  // namespace moodtune::music
