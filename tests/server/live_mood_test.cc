// LiveMood (smoothing, trend, hysteresis) and LiveSessions (ids, caps, TTL, frame rate), on
// injected times: no test sleeps.
#include "live_mood.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <set>

#include "live_sessions.h"

namespace moodtune::server {
namespace {

// A distribution with `p` on `e` and the rest spread evenly.
EmotionProbs Peaked(Emotion e, float p = 0.8f) {
  EmotionProbs out{};
  out.fill((1.0f - p) / (kNumEmotions - 1));
  out[static_cast<int>(e)] = p;
  return out;
}

float At(const EmotionProbs& p, Emotion e) { return p[static_cast<int>(e)]; }

TEST(LiveMoodTest, DefaultsAreTheDocumentedValues) {
  const LiveMoodOptions o;
  EXPECT_EQ(o.time_constant_s, 5.0);
  EXPECT_EQ(o.settle_s, 2.0);
  EXPECT_EQ(o.hold_s, 3.0);
  EXPECT_FLOAT_EQ(o.margin, 0.10f);
  EXPECT_EQ(o.trend_window_s, 5.0);
  EXPECT_EQ(o.history_size, 30);
}

TEST(LiveMoodTest, SmoothsExponentiallyWithTheTimeConstant) {
  LiveMood m;  // tau = 5 s
  const auto happy = Peaked(Emotion::kHappy, 1.0f), sad = Peaked(Emotion::kSad, 1.0f);
  ASSERT_TRUE(m.Add(0, &happy).ok());
  EXPECT_FLOAT_EQ(At(m.smoothed(), Emotion::kHappy), 1.0f) << "the first reading is taken as is";
  ASSERT_TRUE(m.Add(5, &sad).ok());  // one time constant later: 63% of the step is in
  EXPECT_NEAR(At(m.smoothed(), Emotion::kSad), 1.0 - std::exp(-1.0), 1e-5);
  EXPECT_NEAR(At(m.smoothed(), Emotion::kHappy), std::exp(-1.0), 1e-5);
  float sum = 0;
  for (float p : m.smoothed()) sum += p;
  EXPECT_NEAR(sum, 1.0f, 1e-5);
  // Two readings 2.5 s apart move it as much as one 5 s after (the clock, not the count).
  LiveMood a, b;
  ASSERT_TRUE(a.Add(0, &happy).ok());
  ASSERT_TRUE(b.Add(0, &happy).ok());
  ASSERT_TRUE(a.Add(2.5, &sad).ok());
  ASSERT_TRUE(a.Add(5, &sad).ok());
  ASSERT_TRUE(b.Add(5, &sad).ok());
  EXPECT_NEAR(At(a.smoothed(), Emotion::kSad), At(b.smoothed(), Emotion::kSad), 1e-5);
  // A second reading at the same time has no weight.
  const auto before = m.smoothed();
  ASSERT_TRUE(m.Add(5, &happy).ok());
  EXPECT_EQ(m.smoothed(), before);
}

TEST(LiveMoodTest, NoTimeConstantMeansTheLastReading) {
  LiveMoodOptions o;
  o.time_constant_s = 0;
  LiveMood m(o);
  const auto happy = Peaked(Emotion::kHappy), sad = Peaked(Emotion::kSad);
  ASSERT_TRUE(m.Add(0, &happy).ok());
  ASSERT_TRUE(m.Add(0.1, &sad).ok());
  EXPECT_EQ(m.smoothed(), sad);
}

TEST(LiveMoodTest, AFramelessReadingMovesNothing) {
  LiveMood m;
  const auto happy = Peaked(Emotion::kHappy), sad = Peaked(Emotion::kSad);
  ASSERT_TRUE(m.Add(0, nullptr).ok());
  EXPECT_FALSE(m.has_reading());
  ASSERT_TRUE(m.Add(1, &happy).ok());
  ASSERT_TRUE(m.Add(2, &sad).ok());
  const auto smoothed = m.smoothed();
  const auto history = m.history().size();
  for (double t = 3; t < 60; t += 1) ASSERT_TRUE(m.Add(t, nullptr).ok());
  EXPECT_EQ(m.smoothed(), smoothed);
  EXPECT_EQ(m.history().size(), history);
  EXPECT_EQ(m.readings(), 60);
  EXPECT_EQ(m.faceless_readings(), 58);
}

TEST(LiveMoodTest, RefusesTimeGoingBackAndBadProbabilities) {
  LiveMood m;
  const auto happy = Peaked(Emotion::kHappy);
  ASSERT_TRUE(m.Add(10, &happy).ok());
  auto back = m.Add(9.5, &happy);
  ASSERT_FALSE(back.ok());
  EXPECT_TRUE(back.status().IsInvalidArgument());
  EXPECT_FALSE(m.Add(std::nan(""), &happy).ok());
  auto bad = happy;
  bad[0] = std::nanf("");
  EXPECT_FALSE(m.Add(11, &bad).ok());
  bad[0] = -0.5f;
  EXPECT_FALSE(m.Add(11, &bad).ok());
  EXPECT_EQ(m.readings(), 1) << "refused readings change nothing";
}

TEST(LiveMoodTest, SettlesOnceTheSameEmotionLedForSettleSeconds) {
  LiveMood m;  // settle 2 s
  const auto happy = Peaked(Emotion::kHappy);
  auto first = m.Add(0, &happy);
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(*first);
  EXPECT_FALSE(m.mood());
  EXPECT_EQ(m.candidate(), Emotion::kHappy);
  EXPECT_FALSE(*m.Add(1, &happy));
  EXPECT_FALSE(*m.Add(1.9, &happy));
  auto settled = m.Add(2, &happy);
  ASSERT_TRUE(settled.ok());
  EXPECT_TRUE(*settled) << "the first settled mood counts as a change";
  EXPECT_EQ(m.mood(), Emotion::kHappy);
  EXPECT_EQ(m.mood_since_s(), 2.0);
  EXPECT_FALSE(*m.Add(3, &happy)) << "staying is no change";
}

// With no smoothing, one outlier frame is a full lead for another emotion; the hold keeps it
// from changing the mood.
TEST(LiveMoodTest, OneOutlierDoesNotFlipTheMood) {
  LiveMoodOptions o;
  o.time_constant_s = 0;
  LiveMood m(o);
  const auto happy = Peaked(Emotion::kHappy), sad = Peaked(Emotion::kSad);
  double t = 0;
  for (; t <= 2; t += 1) ASSERT_TRUE(m.Add(t, &happy).ok());
  ASSERT_EQ(m.mood(), Emotion::kHappy);
  ASSERT_TRUE(m.Add(t, &sad).ok());  // the blink
  EXPECT_EQ(m.candidate(), Emotion::kSad);
  for (t += 1; t < 20; t += 1) {
    auto r = m.Add(t, &happy);
    ASSERT_TRUE(r.ok());
    EXPECT_FALSE(*r);
  }
  EXPECT_EQ(m.mood(), Emotion::kHappy);
  EXPECT_FALSE(m.candidate()) << "the lead was broken";
  // Outliers every other second never hold for 3 s either.
  for (int i = 0; i < 20; ++i, t += 1) {
    ASSERT_TRUE(m.Add(t, i % 2 ? &happy : &sad).ok());
    EXPECT_EQ(m.mood(), Emotion::kHappy);
  }
}

TEST(LiveMoodTest, ChangesAfterTheLeadHeldForHoldSeconds) {
  LiveMoodOptions o;
  o.time_constant_s = 0;
  LiveMood m(o);  // hold 3 s
  const auto happy = Peaked(Emotion::kHappy), sad = Peaked(Emotion::kSad);
  for (double t = 0; t <= 2; t += 1) ASSERT_TRUE(m.Add(t, &happy).ok());
  ASSERT_EQ(m.mood(), Emotion::kHappy);
  EXPECT_FALSE(*m.Add(10, &sad));
  EXPECT_FALSE(*m.Add(11, &sad));
  EXPECT_FALSE(*m.Add(12.99, &sad));
  EXPECT_EQ(m.mood(), Emotion::kHappy);
  EXPECT_TRUE(*m.Add(13, &sad));
  EXPECT_EQ(m.mood(), Emotion::kSad);
  EXPECT_EQ(m.mood_since_s(), 13.0);
}

TEST(LiveMoodTest, ALeadBelowTheMarginIsNoLead) {
  LiveMoodOptions o;
  o.time_constant_s = 0;
  LiveMood m(o);  // margin 0.10
  EmotionProbs close{};
  close[static_cast<int>(Emotion::kHappy)] = 0.40f;
  close[static_cast<int>(Emotion::kSad)] = 0.45f;  // leads by 0.05
  close[static_cast<int>(Emotion::kNeutral)] = 0.15f;
  const auto happy = Peaked(Emotion::kHappy);
  for (double t = 0; t <= 2; t += 1) ASSERT_TRUE(m.Add(t, &happy).ok());
  for (double t = 3; t < 30; t += 1) ASSERT_TRUE(m.Add(t, &close).ok());
  EXPECT_EQ(m.mood(), Emotion::kHappy);
  EXPECT_FALSE(m.candidate());
}

TEST(LiveMoodTest, WithSmoothingAStepChangeTakesLongerThanTheHold) {
  LiveMood m;  // tau 5 s, hold 3 s, margin 0.1
  const auto happy = Peaked(Emotion::kHappy, 1.0f), sad = Peaked(Emotion::kSad, 1.0f);
  for (double t = 0; t <= 2; t += 1) ASSERT_TRUE(m.Add(t, &happy).ok());
  ASSERT_EQ(m.mood(), Emotion::kHappy);
  double changed_at = -1;
  for (double t = 3; t < 30 && changed_at < 0; t += 1)
    if (*m.Add(t, &sad)) changed_at = t;
  // After the last happy reading (t = 2) smoothed happy is exp(-(t-2)/5) and sad the rest:
  // sad leads by 0.1 once exp(-(t-2)/5) <= 0.45, i.e. from t = 6; then it holds 3 s more.
  EXPECT_EQ(changed_at, 9.0);
  EXPECT_EQ(m.mood(), Emotion::kSad);
}

TEST(LiveMoodTest, TrendComparesWithTheWindowAgo) {
  LiveMoodOptions o;
  o.time_constant_s = 0;
  LiveMood m(o);  // window 5 s
  double span = -1;
  EXPECT_EQ(m.Trend(&span), EmotionProbs{});
  EXPECT_EQ(span, 0);
  const auto happy = Peaked(Emotion::kHappy, 0.9f), sad = Peaked(Emotion::kSad, 0.6f);
  for (double t = 0; t <= 6; t += 1) ASSERT_TRUE(m.Add(t, &happy).ok());
  ASSERT_TRUE(m.Add(7, &sad).ok());
  const auto d = m.Trend(&span);
  EXPECT_EQ(span, 5.0) << "compared with the reading at t = 2";
  EXPECT_NEAR(At(d, Emotion::kSad), 0.6f - 0.1f / 6, 1e-5);
  EXPECT_LT(At(d, Emotion::kHappy), 0);
  // Younger than the window: compared with the oldest reading.
  LiveMood young(o);
  ASSERT_TRUE(young.Add(0, &happy).ok());
  ASSERT_TRUE(young.Add(1, &sad).ok());
  young.Trend(&span);
  EXPECT_EQ(span, 1.0);
}

TEST(LiveMoodTest, HistoryIsBounded) {
  LiveMood m;
  const auto happy = Peaked(Emotion::kHappy);
  for (int t = 0; t < 100; ++t) ASSERT_TRUE(m.Add(t, &happy).ok());
  ASSERT_EQ(m.history().size(), 30u);
  EXPECT_EQ(m.history().front().t_s, 70.0);
  EXPECT_EQ(m.history().back().leader, Emotion::kHappy);
}

class LiveSessionsTest : public ::testing::Test {
 protected:
  LiveSessions Make(int max_sessions, int per_peer, int ttl_s, int fps) {
    return LiveSessions(LiveLimits{max_sessions, per_peer, std::chrono::seconds(ttl_s), fps},
                        LiveMoodOptions{}, [this] { return now_; });
  }
  void Advance(double s) {
    now_ += std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(s));
  }
  std::chrono::steady_clock::time_point now_{};
};

TEST_F(LiveSessionsTest, IdsAreRandomAndUnknownIdsAreNotFound) {
  auto store = Make(100, 100, 60, 2);
  std::set<std::string> ids;
  for (int i = 0; i < 50; ++i) {
    auto s = store.Create("a");
    ASSERT_TRUE(s.ok());
    EXPECT_TRUE(IsValidId(s->id));
    ids.insert(s->id);
  }
  EXPECT_EQ(ids.size(), 50u);
  EXPECT_TRUE(store.Get(RandomId()).status().IsNotFound());
  EXPECT_TRUE(store.Admit("nope", nullptr).IsNotFound());
  EXPECT_TRUE(store.Add("nope", 0.0, nullptr).status().IsNotFound());
  EXPECT_FALSE(store.Remove("nope"));
  EXPECT_TRUE(store.Remove(*ids.begin()));
  EXPECT_TRUE(store.Get(*ids.begin()).status().IsNotFound());
}

TEST_F(LiveSessionsTest, CapsSessionsInAllAndPerPeer) {
  auto store = Make(4, 2, 60, 2);
  ASSERT_TRUE(store.Create("a").ok());
  ASSERT_TRUE(store.Create("a").ok());
  auto third = store.Create("a");
  ASSERT_FALSE(third.ok());
  EXPECT_EQ(third.status().code(), StatusCode::kResourceExhausted) << "this peer's share";
  ASSERT_TRUE(store.Create("b").ok());
  ASSERT_TRUE(store.Create("c").ok());
  auto full = store.Create("d");
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.status().code(), StatusCode::kUnavailable) << "full for everyone";
  EXPECT_EQ(store.size(), 4u);
}

TEST_F(LiveSessionsTest, IdleSessionsExpireAndUseRenewsThem) {
  auto store = Make(2, 2, 60, 2);
  auto a = store.Create("a"), b = store.Create("a");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->expires_in_s, 60.0);
  Advance(50);
  ASSERT_TRUE(store.Admit(a->id, nullptr).ok());  // a is used, b is not
  Advance(15);
  EXPECT_TRUE(store.Get(b->id).status().IsNotFound());
  auto got = store.Get(a->id);
  ASSERT_TRUE(got.ok());
  EXPECT_NEAR(got->age_s, 65.0, 1e-6);
  EXPECT_TRUE(store.Create("a").ok()) << "the expired one no longer counts";
}

TEST_F(LiveSessionsTest, FramesAreRateLimitedPerSession) {
  auto store = Make(10, 10, 60, 2);
  auto a = store.Create("a"), b = store.Create("a");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE(store.Admit(a->id, nullptr).ok());
  EXPECT_TRUE(store.Admit(a->id, nullptr).ok()) << "a burst of max_fps";
  int retry = 0;
  Status s = store.Admit(a->id, &retry);
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(retry, 1);
  EXPECT_TRUE(store.Admit(b->id, nullptr).ok()) << "another session has its own tokens";
  Advance(0.5);
  EXPECT_TRUE(store.Admit(a->id, nullptr).ok());
  EXPECT_FALSE(store.Admit(a->id, nullptr).ok());
  // A steady max_fps is always admitted.
  for (int i = 0; i < 20; ++i) {
    Advance(0.5);
    EXPECT_TRUE(store.Admit(a->id, nullptr).ok()) << i;
  }
}

TEST_F(LiveSessionsTest, ReadingsUseTheClientTimeOrTheStoreClock) {
  auto store = Make(10, 10, 60, 2);
  auto a = store.Create("a");
  ASSERT_TRUE(a.ok());
  const auto happy = Peaked(Emotion::kHappy);
  Advance(1.5);
  auto r = store.Add(a->id, std::nullopt, &happy);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->mood.last_t_s(), 1.5) << "seconds since the session was created";
  auto c = store.Create("a");
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(store.Add(c->id, 100.0, &happy).ok());
  auto back = store.Add(c->id, 99.0, &happy);
  EXPECT_TRUE(back.status().IsInvalidArgument());
  auto settled = store.Add(c->id, 102.0, &happy);
  ASSERT_TRUE(settled.ok());
  EXPECT_TRUE(settled->mood_changed);
  EXPECT_EQ(settled->mood.mood(), Emotion::kHappy);
}

}  // namespace
}  // namespace moodtune::server
