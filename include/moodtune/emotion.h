// The seven emotion classes, their fixed order, and the music side's 3-class view.
// Thread-safety: pure functions and constants.
#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace moodtune {

// Order is part of the model contract: the emotion net's output index i is Emotion(i).
enum class Emotion { kAngry = 0, kDisgust, kFear, kHappy, kSad, kSurprise, kNeutral };
inline constexpr int kNumEmotions = 7;
using EmotionProbs = std::array<float, kNumEmotions>;

// "angry", "disgust", "fear", "happy", "sad", "surprise", "neutral".
std::string_view EmotionName(Emotion e);

// Parses a class or folder name, accepting the aliases used by public datasets:
// happiness, sadness, anger, fearful, disgusted, surprised (case-insensitive).
// Returns nullopt for names outside the seven classes (e.g. "contempt").
std::optional<Emotion> ParseEmotion(std::string_view name);

// The reference system's 3-class view used by the music side.
enum class Mood3 { kHappy = 0, kSad, kNeutral };
std::string_view Mood3Name(Mood3 m);  // "Happy", "Sad", "Neutral" (the reference's spelling)

// Collapses 7-class probabilities into happy/sad/neutral (documented in docs/vision.md):
//   happy   = p(happy) + p(surprise)/2
//   sad     = p(sad) + p(angry) + p(fear) + p(disgust)
//   neutral = p(neutral) + p(surprise)/2
// The three sum to the input's total (1 for a softmax).
std::array<float, 3> ToMood3Probs(const EmotionProbs& p);

// argmax helpers; ties go to the lower index.
Emotion TopEmotion(const EmotionProbs& p);
Mood3 TopMood3(const std::array<float, 3>& p);

}  // namespace moodtune
