#include "moodtune/music/mood.h"

#include <gtest/gtest.h>

namespace moodtune::music {
namespace {

TEST(MoodTest, OneHotLandsOnItsAnchor) {
  for (int i = 0; i < kNumEmotions; ++i) {
    const MoodPoint p = ProbsToMoodPoint(OneHot(Emotion(i)));
    EXPECT_FLOAT_EQ(p.valence, EmotionAnchor(Emotion(i)).valence);
    EXPECT_FLOAT_EQ(p.energy, EmotionAnchor(Emotion(i)).energy);
  }
}

TEST(MoodTest, AnchorsFollowTheCircumplex) {
  const auto happy = EmotionAnchor(Emotion::kHappy), sad = EmotionAnchor(Emotion::kSad);
  const auto angry = EmotionAnchor(Emotion::kAngry), neutral = EmotionAnchor(Emotion::kNeutral);
  EXPECT_GT(happy.valence, neutral.valence);
  EXPECT_LT(sad.valence, neutral.valence);
  EXPECT_LT(sad.energy, neutral.energy);
  EXPECT_GT(angry.energy, sad.energy);
  EXPECT_LT(angry.valence, neutral.valence);
}

TEST(MoodTest, MixedProbabilitiesLandBetweenAnchors) {
  EmotionProbs p{};
  p[int(Emotion::kSad)] = 0.4f;
  p[int(Emotion::kNeutral)] = 0.6f;
  const MoodPoint m = ProbsToMoodPoint(p);
  const auto sad = EmotionAnchor(Emotion::kSad), neu = EmotionAnchor(Emotion::kNeutral);
  EXPECT_NEAR(m.valence, 0.4f * sad.valence + 0.6f * neu.valence, 1e-6);
  EXPECT_NEAR(m.energy, 0.4f * sad.energy + 0.6f * neu.energy, 1e-6);
  // A weak frown is not heartbreak: closer to neutral than to sad.
  EXPECT_LT(Distance(m, neu), Distance(m, sad));
}

TEST(MoodTest, UnnormalisedAndDegenerateInputs) {
  EmotionProbs twice = OneHot(Emotion::kHappy);
  twice[int(Emotion::kHappy)] = 2.0f;
  EXPECT_FLOAT_EQ(ProbsToMoodPoint(twice).valence, EmotionAnchor(Emotion::kHappy).valence);
  EmotionProbs zero{};
  EXPECT_FLOAT_EQ(ProbsToMoodPoint(zero).valence, EmotionAnchor(Emotion::kNeutral).valence);
  EmotionProbs neg = OneHot(Emotion::kSad);
  neg[int(Emotion::kHappy)] = -5.0f;
  EXPECT_FLOAT_EQ(ProbsToMoodPoint(neg).valence, EmotionAnchor(Emotion::kSad).valence);
}

TEST(MoodTest, MatchPathRepeatsStart) {
  const MoodPoint s{0.2f, 0.3f};
  auto path = TargetPath(s, Strategy::kMatch, 5);
  ASSERT_EQ(path.size(), 5u);
  for (const auto& p : path) EXPECT_FLOAT_EQ(Distance(p, s), 0.0f);
}

TEST(MoodTest, UpliftStartsAtMoodAndRisesToGoal) {
  const MoodPoint s = EmotionAnchor(Emotion::kSad);
  auto path = TargetPath(s, Strategy::kUplift, 5);
  ASSERT_EQ(path.size(), 5u);
  EXPECT_FLOAT_EQ(path.front().valence, s.valence);
  EXPECT_FLOAT_EQ(path.back().valence, kUpliftGoal.valence);
  for (size_t i = 1; i < path.size(); ++i) EXPECT_GT(path[i].valence, path[i - 1].valence);
  // Already happier than the goal: uplift never lowers valence.
  auto happy = TargetPath({0.95f, 0.9f}, Strategy::kUplift, 3);
  for (const auto& p : happy) EXPECT_GE(p.valence, 0.95f - 1e-6);
}

TEST(MoodTest, CalmNeverRaisesEnergy) {
  for (Emotion e : {Emotion::kAngry, Emotion::kSad, Emotion::kHappy}) {
    const MoodPoint s = EmotionAnchor(e);
    auto path = TargetPath(s, Strategy::kCalm, 5);
    EXPECT_LE(path.front().energy, std::min(s.energy, 0.5f) + 1e-6);
    for (size_t i = 1; i < path.size(); ++i) EXPECT_LE(path[i].energy, path[i - 1].energy + 1e-6);
    EXPECT_LE(path.back().energy, kCalmGoal.energy + 1e-6);
  }
}

TEST(MoodTest, StrategyNamesRoundTrip) {
  for (Strategy s : {Strategy::kMatch, Strategy::kUplift, Strategy::kCalm}) {
    auto parsed = ParseStrategy(StrategyName(s));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, s);
  }
  EXPECT_TRUE(ParseStrategy("cheer").status().IsInvalidArgument());
  EXPECT_TRUE(TargetPath({}, Strategy::kMatch, 0).empty());
  EXPECT_EQ(TargetPath({}, Strategy::kUplift, 1).size(), 1u);
}

}  // namespace
}  // namespace moodtune::music
