#include "emotion_math.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

namespace moodtune {
namespace {

TEST(EmotionMathTest, SoftmaxHandValues) {
  const EmotionProbs p = Softmax({0, 0, 0, std::log(4.0f), 0, 0, 0});  // e^x: 1,1,1,4,1,1,1
  EXPECT_NEAR(p[3], 0.4f, 1e-6);
  EXPECT_NEAR(p[0], 0.1f, 1e-6);
  const EmotionProbs big = Softmax({1000, 0, 0, 0, 0, 0, 0});  // no overflow
  EXPECT_NEAR(big[0], 1.0f, 1e-6);
}

TEST(EmotionMathTest, DistributionsPassThroughLogitsAreNormalised) {
  const EmotionProbs probs = {0.1f, 0.1f, 0.1f, 0.4f, 0.1f, 0.1f, 0.1f};
  EXPECT_EQ(ToProbabilities(probs), probs);
  const EmotionProbs logits = {2, -1, 0.5f, 3, 0, 0, 1};
  const EmotionProbs p = ToProbabilities(logits);
  EXPECT_NEAR(std::accumulate(p.begin(), p.end(), 0.0f), 1.0f, 1e-5);
  EXPECT_EQ(TopEmotion(p), Emotion::kHappy);
}

}  // namespace
}  // namespace moodtune
