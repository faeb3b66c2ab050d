// Turning the emotion net's 7 outputs into probabilities.
// Thread-safety: pure functions.
#pragma once

#include "moodtune/emotion.h"

namespace moodtune {

// Numerically stable softmax (max subtracted first).
EmotionProbs Softmax(const EmotionProbs& logits);

// The model contract is softmax output; a model exported with raw logits is tolerated:
// values already forming a distribution (all in [0,1], sum within 1e-3 of 1) are returned
// as they are, anything else goes through Softmax.
EmotionProbs ToProbabilities(const EmotionProbs& out);

}  // namespace moodtune
