#include "moodtune_core/backoff.h"

#include <gtest/gtest.h>

namespace moodtune::device {
namespace {

TEST(Backoff, DefaultsAreDocumented) {
  const BackoffOptions o;
  EXPECT_EQ(o.base_ms, 1000u);
  EXPECT_EQ(o.max_ms, 60000u);
  EXPECT_EQ(o.factor, 2);
  EXPECT_EQ(o.jitter_pct, 25);
}

TEST(Backoff, GrowsExponentiallyWithoutJitter) {
  const BackoffOptions o{100, 5000, 2, 0};
  std::uint32_t expect = 100;
  for (std::uint32_t attempt = 0; attempt < 10; ++attempt) {
    EXPECT_EQ(BackoffDelayMs(o, attempt, 12345), expect < 5000 ? expect : 5000) << attempt;
    expect *= 2;
  }
}

TEST(Backoff, HugeAttemptsSaturateAtMax) {
  const BackoffOptions o{1000, 60000, 3, 0};
  EXPECT_EQ(BackoffDelayMs(o, 1000000, 0), 60000u);
  EXPECT_EQ(BackoffDelayMs(o, 0xFFFFFFFFu, 0), 60000u);
}

TEST(Backoff, JitterStaysInBand) {
  const BackoffOptions o{1000, 60000, 2, 25};
  for (std::uint32_t attempt = 0; attempt < 8; ++attempt) {
    const std::uint32_t full = BackoffDelayMs(BackoffOptions{1000, 60000, 2, 0}, attempt, 0);
    std::uint32_t lo = full, hi = 0;
    for (std::uint32_t r = 0; r < 5000; r += 7) {
      const std::uint32_t d = BackoffDelayMs(o, attempt, r * 2654435761u);
      lo = d < lo ? d : lo;
      hi = d > hi ? d : hi;
    }
    EXPECT_LE(hi, full);
    EXPECT_GE(lo, full - full / 4);
    EXPECT_LT(lo, hi) << "jitter must actually vary the delay";
  }
}

TEST(Backoff, CounterAdvancesAndResets) {
  Backoff b(BackoffOptions{10, 1000, 2, 0});
  EXPECT_EQ(b.NextDelayMs(0), 10u);
  EXPECT_EQ(b.NextDelayMs(0), 20u);
  EXPECT_EQ(b.NextDelayMs(0), 40u);
  EXPECT_EQ(b.attempts(), 3u);
  b.Reset();
  EXPECT_EQ(b.NextDelayMs(0), 10u);
}

}  // namespace
}  // namespace moodtune::device
