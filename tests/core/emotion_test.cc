#include "moodtune/emotion.h"

#include <gtest/gtest.h>

#include <numeric>

namespace moodtune {
namespace {

TEST(EmotionTest, OrderIsTheModelContract) {
  const char* expected[] = {"angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"};
  for (int i = 0; i < kNumEmotions; ++i) EXPECT_EQ(EmotionName(Emotion(i)), expected[i]);
}

TEST(EmotionTest, ParsesDatasetAliases) {
  EXPECT_EQ(ParseEmotion("happiness"), Emotion::kHappy);
  EXPECT_EQ(ParseEmotion("Sadness"), Emotion::kSad);
  EXPECT_EQ(ParseEmotion("anger"), Emotion::kAngry);
  EXPECT_EQ(ParseEmotion("fearful"), Emotion::kFear);
  EXPECT_EQ(ParseEmotion("disgusted"), Emotion::kDisgust);
  EXPECT_EQ(ParseEmotion("surprised"), Emotion::kSurprise);
  EXPECT_EQ(ParseEmotion("neutral"), Emotion::kNeutral);
  EXPECT_EQ(ParseEmotion("contempt"), std::nullopt);
}

TEST(EmotionTest, Mood3CollapseKeepsMassAndMapsNegativesToSad) {
  EmotionProbs p = {0.1f, 0.05f, 0.05f, 0.2f, 0.1f, 0.3f, 0.2f};
  auto m = ToMood3Probs(p);
  EXPECT_NEAR(m[0] + m[1] + m[2], 1.0f, 1e-6);
  EXPECT_NEAR(m[0], 0.35f, 1e-6);
  EXPECT_NEAR(m[1], 0.30f, 1e-6);
  EXPECT_NEAR(m[2], 0.35f, 1e-6);
  EXPECT_EQ(TopEmotion(p), Emotion::kSurprise);
  EXPECT_EQ(Mood3Name(TopMood3({0.1f, 0.7f, 0.2f})), "Sad");
}

}  // namespace
}  // namespace moodtune
