#include "security.h"

#include <arpa/inet.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <memory>

namespace moodtune::server {
namespace {

bool IsHexDigest(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return std::isxdigit(static_cast<unsigned char>(c)) != 0;
         });
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::optional<std::uint32_t> ParseIpv4(std::string_view s) {
  std::string text(s);
  in_addr a{};
  if (inet_pton(AF_INET, text.c_str(), &a) != 1) return std::nullopt;
  return ntohl(a.s_addr);
}

}  // namespace

std::string Sha256Hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  // EVP_Digest is a one-shot over the default SHA-256 implementation; it cannot fail for
  // in-memory input short of allocation failure, which leaves `len` 0 (an empty digest
  // that matches no stored key).
  if (EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr) != 1) len = 0;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::vector<std::string> SplitList(std::string_view csv) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= csv.size()) {
    const std::size_t comma = std::min(csv.find(',', start), csv.size());
    std::string_view item = Trim(csv.substr(start, comma - start));
    if (!item.empty()) out.emplace_back(item);
    start = comma + 1;
  }
  return out;
}

Result<KeyRing> KeyRing::FromDigests(std::string_view csv) {
  KeyRing ring;
  for (const std::string& d : SplitList(csv)) {
    if (!IsHexDigest(d))
      return Status::InvalidArgument(
          "api_keys_sha256: each item must be 64 hex digits (sha256sum of the key)");
    ring.digests_.push_back(AsciiLower(d));
  }
  return ring;
}

std::optional<std::string> KeyRing::Match(std::string_view presented) const {
  if (presented.empty()) return std::nullopt;
  const std::string digest = Sha256Hex(presented);
  const std::string* found = nullptr;
  for (const std::string& d : digests_)
    if (ConstantTimeEquals(digest, d)) found = &d;
  if (!found) return std::nullopt;
  return *found;
}

std::string PresentedKey(std::string_view authorization, std::string_view x_api_key) {
  authorization = Trim(authorization);
  if (!authorization.empty()) {
    if (authorization.size() > 7 && AsciiLower(authorization.substr(0, 7)) == "bearer ")
      return std::string(Trim(authorization.substr(7)));
    return "";  // another scheme: not a key we accept
  }
  return std::string(Trim(x_api_key));
}

RateLimiter::RateLimiter(int per_minute, int burst, Now now, std::size_t max_clients)
    : per_minute_(per_minute),
      burst_(std::max(1, burst)),
      now_(now ? std::move(now) : Now([] { return Clock::now(); })),
      max_clients_(std::max<std::size_t>(1, max_clients)) {}

void RateLimiter::Refill(Bucket& b, Clock::time_point now) const {
  const double minutes = std::chrono::duration<double>(now - b.last).count() / 60.0;
  if (minutes > 0) {
    b.tokens = std::min(burst_, b.tokens + minutes * per_minute_);
    b.last = now;
  }
}

void RateLimiter::EvictLocked(Clock::time_point now) {
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    Refill(it->second, now);
    it = it->second.tokens >= burst_ ? buckets_.erase(it) : std::next(it);
  }
  while (buckets_.size() >= max_clients_) {
    auto oldest = std::min_element(buckets_.begin(), buckets_.end(),
                                   [](auto& a, auto& b) { return a.second.last < b.second.last; });
    buckets_.erase(oldest);
  }
}

RateLimiter::Decision RateLimiter::Take(const std::string& client) {
  if (!enabled()) return {};
  const Clock::time_point now = now_();
  std::lock_guard<std::mutex> lock(mu_);
  auto it = buckets_.find(client);
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_clients_) EvictLocked(now);
    it = buckets_.emplace(client, Bucket{burst_, now}).first;
  }
  Bucket& b = it->second;
  Refill(b, now);
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return {};
  }
  const double seconds = (1.0 - b.tokens) * 60.0 / per_minute_;
  return {false, std::max(1, static_cast<int>(std::ceil(seconds)))};
}

std::size_t RateLimiter::clients() {
  std::lock_guard<std::mutex> lock(mu_);
  return buckets_.size();
}

std::optional<std::string> AllowedOrigin(std::string_view origin,
                                         const std::vector<std::string>& allowed) {
  if (origin.empty()) return std::nullopt;
  for (const std::string& a : allowed) {
    if (a == "*") return std::string("*");
    if (a == origin) return std::string(origin);
  }
  return std::nullopt;
}

bool AddressAllowed(std::string_view remote, const std::vector<std::string>& allow) {
  if (remote.rfind("::ffff:", 0) == 0 && remote.find('.') != std::string_view::npos)
    remote.remove_prefix(7);
  const auto ip4 = ParseIpv4(remote);
  for (const std::string& item : allow) {
    const std::size_t slash = item.find('/');
    if (slash == std::string::npos) {
      if (item == remote) return true;
      continue;
    }
    const auto net = ParseIpv4(std::string_view(item).substr(0, slash));
    int bits = -1;
    try {
      bits = std::stoi(item.substr(slash + 1));
    } catch (const std::exception&) {
    }
    if (!ip4 || !net || bits < 0 || bits > 32) continue;
    const std::uint32_t mask = bits == 0 ? 0 : ~std::uint32_t{0} << (32 - bits);
    if ((*ip4 & mask) == (*net & mask)) return true;
  }
  return false;
}

}  // namespace moodtune::server
