#include "moodtune_core/retry_after.h"

#include <gtest/gtest.h>

#include "moodtune/device_protocol.h"

namespace moodtune::device {
namespace {

constexpr std::uint32_t kMax = 300000;
constexpr std::uint32_t kUntouched = 4242;

std::uint32_t Parsed(const char* v, std::uint32_t max = kMax) {
  std::uint32_t ms = kUntouched;
  EXPECT_TRUE(ParseRetryAfterMs(v, max, &ms)) << v;
  return ms;
}

bool Rejects(const char* v) {
  std::uint32_t ms = kUntouched;
  const bool ok = ParseRetryAfterMs(v, kMax, &ms);
  EXPECT_EQ(ms, kUntouched) << "a failed parse leaves the output alone";
  return !ok;
}

TEST(RetryAfter, DeltaSecondsBecomeMilliseconds) {
  EXPECT_EQ(Parsed("0"), 0u);
  EXPECT_EQ(Parsed("1"), 1000u);
  EXPECT_EQ(Parsed("120"), 120000u);
  EXPECT_EQ(Parsed(" \t5 "), 5000u);
  EXPECT_EQ(Parsed("007"), 7000u);
}

TEST(RetryAfter, SaturatesAtTheCap) {
  EXPECT_EQ(Parsed("300"), 300000u);
  EXPECT_EQ(Parsed("301"), kMax);
  EXPECT_EQ(Parsed("86400"), kMax);
  EXPECT_EQ(Parsed("99999999999999999999999999"), kMax) << "no overflow wrap";
  EXPECT_EQ(Parsed("4294968", 0xFFFFFFFFu), 0xFFFFFFFFu) << "4294968 s overflows 32-bit ms";
  EXPECT_EQ(Parsed("5", 2000), 2000u);
}

TEST(RetryAfter, RejectsWhatIsNotDeltaSeconds) {
  EXPECT_TRUE(Rejects(nullptr));
  EXPECT_TRUE(Rejects(""));
  EXPECT_TRUE(Rejects("   "));
  EXPECT_TRUE(Rejects("-1"));
  EXPECT_TRUE(Rejects("1.5"));
  EXPECT_TRUE(Rejects("12s"));
  EXPECT_TRUE(Rejects("1 2"));
  EXPECT_TRUE(Rejects("Wed, 21 Oct 2015 07:28:00 GMT"));
}

TEST(DeviceProtocol, PermanentStatusesAreExactlyTheRefusals) {
  for (std::uint16_t s : {400, 401, 403, 404, 413, 415, 422}) EXPECT_TRUE(IsPermanentHttpStatus(s)) << s;
  for (std::uint16_t s : {0, 200, 204, 301, 402, 405, 408, 409, 429, 500, 502, 503, 504})
    EXPECT_FALSE(IsPermanentHttpStatus(s)) << s;
}

}  // namespace
}  // namespace moodtune::device
