// Pure security parts (src/server/security.h): key digests and matching, the presented key,
// the clock-injected token bucket, CORS origins and the /metrics allow-list. No sockets,
// no sleeping: time moves only through the injected clock.
#include <gtest/gtest.h>

#include "image_store.h"
#include "security.h"

namespace moodtune::server {
namespace {

// sha256("secret-key-1"), as `printf %s secret-key-1 | sha256sum` prints it.
constexpr const char* kKey1 = "secret-key-1";

TEST(SecurityTest, Sha256HexMatchesKnownVectors) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(SecurityTest, ConstantTimeEqualsComparesLengthAndBytes) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abcd"));
  EXPECT_TRUE(ConstantTimeEquals("", ""));
}

TEST(SecurityTest, KeyRingMatchesOnlyConfiguredKeys) {
  const std::string d1 = Sha256Hex(kKey1);
  std::string upper = Sha256Hex("second");
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  auto ring = KeyRing::FromDigests(" " + d1 + " ," + upper);  // blanks and case tolerated
  ASSERT_TRUE(ring.ok()) << ring.status().ToString();
  EXPECT_TRUE(ring->required());
  EXPECT_EQ(ring->Match(kKey1), d1);
  EXPECT_EQ(ring->Match("second"), Sha256Hex("second"));
  EXPECT_FALSE(ring->Match("secret-key-2"));
  EXPECT_FALSE(ring->Match(""));
  EXPECT_FALSE(ring->Match(d1)) << "the digest itself is not a key";
  EXPECT_FALSE(KeyRing().required());
  EXPECT_FALSE(KeyRing::FromDigests("not-hex").ok());
  EXPECT_FALSE(KeyRing::FromDigests(d1.substr(1)).ok());
  EXPECT_FALSE(KeyRing::FromDigests(d1.substr(1) + "g").ok());
}

TEST(SecurityTest, PresentedKeyFromBearerOrXApiKey) {
  EXPECT_EQ(PresentedKey("Bearer abc", ""), "abc");
  EXPECT_EQ(PresentedKey("bearer   abc ", "zzz"), "abc");  // Authorization wins
  EXPECT_EQ(PresentedKey("", " k "), "k");
  EXPECT_EQ(PresentedKey("Basic dXNlcjpwYXNz", "k"), "") << "another scheme is not a key";
  EXPECT_EQ(PresentedKey("", ""), "");
}

struct FakeClock {
  RateLimiter::Clock::time_point t{};
  RateLimiter::Now fn() {
    return [this] { return t; };
  }
};

TEST(RateLimiterTest, BurstThenRefillAtTheConfiguredRate) {
  FakeClock clock;
  RateLimiter limiter(/*per_minute=*/60, /*burst=*/3, clock.fn());
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.Take("ip:a").allowed) << i;
  auto refused = limiter.Take("ip:a");
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after_s, 1);  // one token a second
  EXPECT_TRUE(limiter.Take("ip:b").allowed) << "buckets are per client";
  clock.t += std::chrono::milliseconds(999);
  EXPECT_FALSE(limiter.Take("ip:a").allowed);
  clock.t += std::chrono::milliseconds(2);
  EXPECT_TRUE(limiter.Take("ip:a").allowed);
  EXPECT_FALSE(limiter.Take("ip:a").allowed);
  clock.t += std::chrono::hours(1);  // refills to burst, not beyond
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.Take("ip:a").allowed) << i;
  EXPECT_FALSE(limiter.Take("ip:a").allowed);
}

TEST(RateLimiterTest, RetryAfterIsWholeSecondsUntilOneToken) {
  FakeClock clock;
  RateLimiter limiter(/*per_minute=*/6, /*burst=*/1, clock.fn());  // a token every 10 s
  EXPECT_TRUE(limiter.Take("k").allowed);
  EXPECT_EQ(limiter.Take("k").retry_after_s, 10);
  clock.t += std::chrono::milliseconds(2500);
  EXPECT_EQ(limiter.Take("k").retry_after_s, 8);  // 7.5 s rounded up
}

TEST(RateLimiterTest, DisabledAllowsEverything) {
  RateLimiter limiter(0, 1);
  EXPECT_FALSE(limiter.enabled());
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(limiter.Take("x").allowed);
  EXPECT_EQ(limiter.clients(), 0u);
}

TEST(RateLimiterTest, ClientCountIsBounded) {
  FakeClock clock;
  RateLimiter limiter(60, 2, clock.fn(), /*max_clients=*/4);
  for (int i = 0; i < 50; ++i) {
    limiter.Take("ip:" + std::to_string(i));
    EXPECT_LE(limiter.clients(), 4u);
  }
  // An evicted client starts again with a full bucket; a kept one keeps its debt.
  EXPECT_TRUE(limiter.Take("ip:49").allowed);
  EXPECT_FALSE(limiter.Take("ip:49").allowed);
}

TEST(SecurityTest, CorsOriginsAreExactAndNoneByDefault) {
  const std::vector<std::string> allowed = SplitList("https://a.example, http://localhost:3000");
  EXPECT_EQ(AllowedOrigin("https://a.example", allowed), "https://a.example");
  EXPECT_EQ(AllowedOrigin("http://localhost:3000", allowed), "http://localhost:3000");
  EXPECT_FALSE(AllowedOrigin("https://a.example.evil", allowed));
  EXPECT_FALSE(AllowedOrigin("http://a.example", allowed));
  EXPECT_FALSE(AllowedOrigin("", allowed));
  EXPECT_FALSE(AllowedOrigin("https://a.example", {})) << "no CORS unless configured";
  EXPECT_EQ(AllowedOrigin("https://x", {"*"}), "*");
}

TEST(SecurityTest, MetricsAllowListTakesAddressesAndCidrs) {
  const auto allow = SplitList("127.0.0.1, ::1, 10.1.0.0/16");
  EXPECT_TRUE(AddressAllowed("127.0.0.1", allow));
  EXPECT_TRUE(AddressAllowed("::1", allow));
  EXPECT_TRUE(AddressAllowed("10.1.200.3", allow));
  EXPECT_TRUE(AddressAllowed("::ffff:10.1.0.9", allow));
  EXPECT_FALSE(AddressAllowed("10.2.0.1", allow));
  EXPECT_FALSE(AddressAllowed("127.0.0.2", allow));
  EXPECT_FALSE(AddressAllowed("", allow));
  EXPECT_TRUE(AddressAllowed("192.168.1.1", SplitList("0.0.0.0/0")));
  EXPECT_FALSE(AddressAllowed("192.168.1.1", SplitList("10.0.0.0/33, junk/8")));
}

TEST(ImageStoreTest, ByteBudgetEvictsOldestAndRefusesOversized) {
  ImageStore store(100, std::chrono::seconds(3600), nullptr, /*max_bytes=*/10);
  const std::string a = store.Put("aaaa");
  const std::string b = store.Put("bbbb");
  EXPECT_NE(store.Get(a), nullptr);
  const std::string c = store.Put("cccc");  // 12 bytes > 10: the oldest goes
  EXPECT_EQ(store.Get(a), nullptr);
  EXPECT_NE(store.Get(b), nullptr);
  EXPECT_NE(store.Get(c), nullptr);
  EXPECT_EQ(store.Put(std::string(11, 'x')), "") << "larger than the whole budget: not kept";
  EXPECT_EQ(store.size(), 2u);
}

}  // namespace
}  // namespace moodtune::server
