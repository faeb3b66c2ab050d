// Access control for the HTTP layer, as pure parts the server wires together: API keys kept
// only as SHA-256 digests (compared in constant time), a per-client token-bucket rate
// limiter with an injected clock, the CORS origin check and the /metrics address allow-list.
// Thread-safety: KeyRing, the free functions and the parsed lists are immutable after
// construction and safe to share; RateLimiter locks internally (all methods may be called
// concurrently).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "moodtune/status.h"

namespace moodtune::server {

// Lower-case hex SHA-256 of `data` (64 characters). Uses OpenSSL's EVP interface.
std::string Sha256Hex(std::string_view data);

// Equal length and bytes, in time that depends only on the length (CRYPTO_memcmp).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// ASCII lower case (host names, header keywords).
std::string AsciiLower(std::string_view s);

// Splits a comma-separated option value, trimming blanks and dropping empty items.
std::vector<std::string> SplitList(std::string_view csv);

// The accepted API keys, as SHA-256 hex digests (what the config holds; the keys themselves
// are never stored). Empty = keys are not required.
class KeyRing {
 public:
  // InvalidArgument when an item is not 64 hex digits.
  static Result<KeyRing> FromDigests(std::string_view csv);
  KeyRing() = default;

  bool required() const { return !digests_.empty(); }
  // The digest of `presented` when it is one of the keys, else nullopt. Every stored digest
  // is compared (no early exit), so timing does not reveal which one matched.
  std::optional<std::string> Match(std::string_view presented) const;

 private:
  std::vector<std::string> digests_;  // lower-case hex
};

// The key a request presents: "Authorization: Bearer <key>" (scheme case-insensitive) or,
// when that header is absent, "X-API-Key: <key>". "" when neither is given.
std::string PresentedKey(std::string_view authorization, std::string_view x_api_key);

// Token bucket per client key ("key:<digest prefix>" or "ip:<address>"): each client starts
// with `burst` tokens, gains `per_minute` tokens a minute up to `burst`, and each request
// takes one. Pure apart from the injected clock; the number of buckets is bounded.
class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  using Now = std::function<Clock::time_point()>;

  struct Decision {
    bool allowed = true;
    int retry_after_s = 0;  // when refused: whole seconds until one token is back (>= 1)
  };

  // per_minute <= 0 disables the limiter (every request allowed). `now` defaults to
  // steady_clock::now. `max_clients` bounds memory: when exceeded, full (idle) buckets are
  // dropped first, then the least recently used.
  RateLimiter(int per_minute, int burst, Now now = nullptr, std::size_t max_clients = 100000);

  bool enabled() const { return per_minute_ > 0; }
  Decision Take(const std::string& client);
  std::size_t clients();

 private:
  struct Bucket {
    double tokens = 0;
    Clock::time_point last;
  };
  void Refill(Bucket& b, Clock::time_point now) const;
  void EvictLocked(Clock::time_point now);

  const int per_minute_;
  const double burst_;
  Now now_;
  const std::size_t max_clients_;
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
};

// The value for Access-Control-Allow-Origin when `origin` is allowed by `allowed` (exact,
// case-sensitive match of scheme://host[:port]; the item "*" allows any origin), else
// nullopt. An empty `origin` is never allowed.
std::optional<std::string> AllowedOrigin(std::string_view origin,
                                         const std::vector<std::string>& allowed);

// True when `remote` (the peer address cpp-httplib reports) is in `allow`: exact addresses
// ("127.0.0.1", "::1") or IPv4 CIDR blocks ("10.0.0.0/8"). An IPv4-mapped IPv6 peer
// ("::ffff:10.1.2.3") is matched as its IPv4 address.
bool AddressAllowed(std::string_view remote, const std::vector<std::string>& allow);

}  // namespace moodtune::server
