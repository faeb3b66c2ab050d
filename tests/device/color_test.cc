#include "moodtune_core/color.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace moodtune::device {
namespace {

int Distance(Rgb a, Rgb b) {
  return std::abs(a.r - b.r) + std::abs(a.g - b.g) + std::abs(a.b - b.b);
}

TEST(Color, PaletteColoursAreDistinctAndLit) {
  for (int i = 0; i < kNumWireEmotions; ++i) {
    const Rgb a = EmotionColor(static_cast<WireEmotion>(i));
    EXPECT_GT(a.r + a.g + a.b, 100) << WireEmotionName(static_cast<WireEmotion>(i));
    for (int j = i + 1; j < kNumWireEmotions; ++j)
      EXPECT_GT(Distance(a, EmotionColor(static_cast<WireEmotion>(j))), 120) << i << " vs " << j;
  }
}

TEST(Color, AnswerColorPrefersServerRgb) {
  MoodAnswer a;
  a.emotion = WireEmotion::kSad;
  EXPECT_EQ(AnswerColor(a), EmotionColor(WireEmotion::kSad));
  a.has_rgb = 1;
  a.rgb = {1, 2, 3};
  EXPECT_EQ(AnswerColor(a), (Rgb{1, 2, 3}));
}

TEST(Color, LerpEndpointsAndMidpoint) {
  const Rgb from{0, 255, 100}, to{255, 0, 101};
  EXPECT_EQ(Lerp(from, to, 0), from);
  EXPECT_EQ(Lerp(from, to, 1000), to);
  EXPECT_EQ(Lerp(from, to, 5000), to);
  const Rgb mid = Lerp(from, to, 500);
  EXPECT_NEAR(mid.r, 128, 1);
  EXPECT_NEAR(mid.g, 128, 1);
}

TEST(Color, FadeIsMonotoneAndEndsOnTarget) {
  const Fade f{{0, 0, 0}, {200, 100, 50}, 1000, 600};
  EXPECT_EQ(FadeAt(f, 1000), f.from);
  int last = -1;
  for (std::uint32_t t = 1000; t <= 1700; t += 10) {
    const Rgb c = FadeAt(f, t);
    EXPECT_GE(c.r, last);
    last = c.r;
  }
  EXPECT_EQ(FadeAt(f, 1600), f.to);
  EXPECT_FALSE(FadeDone(f, 1599));
  EXPECT_TRUE(FadeDone(f, 1600));
  EXPECT_EQ(FadeAt(Fade{{1, 1, 1}, {9, 9, 9}, 0, 0}, 0), (Rgb{9, 9, 9})) << "0 ms jumps";
}

TEST(Color, FadeSurvivesClockWrap) {
  const Fade f{{0, 0, 0}, {200, 200, 200}, 0xFFFFFF00u, 512};
  const Rgb c = FadeAt(f, 0x00000000u);  // 256 ms in, across the wrap
  EXPECT_NEAR(c.r, 100, 1);
  EXPECT_EQ(FadeAt(f, 0x00000100u), f.to);
}

TEST(Color, GammaDutyEndpointsAndMonotone) {
  for (std::uint8_t bits : {8, 10, 13, 16}) {
    const std::uint32_t max = (1u << bits) - 1;
    EXPECT_EQ(GammaDuty(0, bits), 0u);
    EXPECT_EQ(GammaDuty(255, bits), max);
    std::uint32_t last = 0;
    for (int l = 0; l < 256; ++l) {
      const std::uint32_t d = GammaDuty(static_cast<std::uint8_t>(l), bits);
      EXPECT_GE(d, last);
      last = d;
    }
    EXPECT_LT(GammaDuty(128, bits), max / 2) << "gamma makes mid levels darker than linear";
  }
}

int LitPulsesPerPeriod(const BlinkPattern& p) {
  int pulses = 0;
  Rgb prev{};
  for (std::uint32_t t = 0; t < BlinkPeriodMs(p); ++t) {
    const Rgb c = BlinkAt(p, t);
    if (c != Rgb{} && prev == Rgb{}) ++pulses;
    prev = c;
  }
  return pulses;
}

TEST(Color, ErrorPatternsAreDistinct) {
  for (int i = 0; i < kNumErrorKinds; ++i) {
    const BlinkPattern a = ErrorBlink(static_cast<ErrorKind>(i));
    EXPECT_EQ(LitPulsesPerPeriod(a), a.pulses) << ErrorKindName(static_cast<ErrorKind>(i));
    for (int j = i + 1; j < kNumErrorKinds; ++j) {
      const BlinkPattern b = ErrorBlink(static_cast<ErrorKind>(j));
      EXPECT_TRUE(a.color != b.color || a.pulses != b.pulses)
          << ErrorKindName(static_cast<ErrorKind>(i)) << " vs "
          << ErrorKindName(static_cast<ErrorKind>(j));
    }
  }
}

TEST(Color, BlinkRepeatsEachPeriod) {
  const BlinkPattern p = ErrorBlink(ErrorKind::kServerError);
  const std::uint32_t period = BlinkPeriodMs(p);
  for (std::uint32_t t = 0; t < period; t += 7) EXPECT_EQ(BlinkAt(p, t), BlinkAt(p, t + 3 * period));
}

}  // namespace
}  // namespace moodtune::device
