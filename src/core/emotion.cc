#include "moodtune/emotion.h"

#include <algorithm>
#include <cctype>
#include <string>

namespace moodtune {
namespace {
constexpr std::array<std::string_view, kNumEmotions> kNames = {
    "angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"};
}  // namespace

std::string_view EmotionName(Emotion e) { return kNames[static_cast<int>(e)]; }

std::optional<Emotion> ParseEmotion(std::string_view name) {
  std::string s(name);
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  struct Alias { std::string_view name; Emotion e; };
  static constexpr Alias kAliases[] = {
      {"angry", Emotion::kAngry},       {"anger", Emotion::kAngry},
      {"disgust", Emotion::kDisgust},   {"disgusted", Emotion::kDisgust},
      {"fear", Emotion::kFear},         {"fearful", Emotion::kFear},
      {"happy", Emotion::kHappy},       {"happiness", Emotion::kHappy},
      {"sad", Emotion::kSad},           {"sadness", Emotion::kSad},
      {"surprise", Emotion::kSurprise}, {"surprised", Emotion::kSurprise},
      {"neutral", Emotion::kNeutral},
  };
  for (const auto& a : kAliases)
    if (s == a.name) return a.e;
  return std::nullopt;
}

std::string_view Mood3Name(Mood3 m) {
  switch (m) {
    case Mood3::kHappy: return "Happy";
    case Mood3::kSad: return "Sad";
    case Mood3::kNeutral: return "Neutral";
  }
  return "Neutral";
}

std::array<float, 3> ToMood3Probs(const EmotionProbs& p) {
  auto at = [&](Emotion e) { return p[static_cast<int>(e)]; };
  return {at(Emotion::kHappy) + at(Emotion::kSurprise) / 2,
          at(Emotion::kSad) + at(Emotion::kAngry) + at(Emotion::kFear) + at(Emotion::kDisgust),
          at(Emotion::kNeutral) + at(Emotion::kSurprise) / 2};
}

Emotion TopEmotion(const EmotionProbs& p) {
  return static_cast<Emotion>(std::max_element(p.begin(), p.end()) - p.begin());
}

Mood3 TopMood3(const std::array<float, 3>& p) {
  return static_cast<Mood3>(std::max_element(p.begin(), p.end()) - p.begin());
}

}  // namespace moodtune
