#include "emotion_math.h"

#include <algorithm>
#include <cmath>

namespace moodtune {

EmotionProbs Softmax(const EmotionProbs& logits) {
  const float max = *std::max_element(logits.begin(), logits.end());
  EmotionProbs p{};
  float sum = 0;
  for (int i = 0; i < kNumEmotions; ++i) sum += p[i] = std::exp(logits[i] - max);
  for (float& v : p) v /= sum;
  return p;
}

EmotionProbs ToProbabilities(const EmotionProbs& out) {
  float sum = 0;
  bool in_range = true;
  for (float v : out) {
    in_range = in_range && v >= 0 && v <= 1;
    sum += v;
  }
  if (in_range && std::abs(sum - 1) <= 1e-3f) return out;
  return Softmax(out);
}

}  // namespace moodtune
