#include "moodtune/music/mood.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace moodtune::music {
namespace {
constexpr MoodPoint kAnchors[kNumEmotions] = {
    {0.15f, 0.85f},  // angry
    {0.20f, 0.55f},  // disgust
    {0.20f, 0.75f},  // fear
    {0.85f, 0.70f},  // happy
    {0.20f, 0.25f},  // sad
    {0.65f, 0.80f},  // surprise
    {0.50f, 0.45f},  // neutral
};
MoodPoint Lerp(MoodPoint a, MoodPoint b, float t) {
  return {a.valence + (b.valence - a.valence) * t, a.energy + (b.energy - a.energy) * t};
}
}  // namespace

MoodPoint EmotionAnchor(Emotion e) { return kAnchors[static_cast<int>(e)]; }

MoodPoint ProbsToMoodPoint(const EmotionProbs& p) {
  double sum = 0, v = 0, e = 0;
  for (int i = 0; i < kNumEmotions; ++i) {
    const double w = std::isfinite(p[i]) ? std::max(0.0f, p[i]) : 0.0;
    sum += w;
    v += w * kAnchors[i].valence;
    e += w * kAnchors[i].energy;
  }
  if (sum <= 0) return EmotionAnchor(Emotion::kNeutral);
  return {static_cast<float>(v / sum), static_cast<float>(e / sum)};
}

EmotionProbs OneHot(Emotion e) {
  EmotionProbs p{};
  p[static_cast<int>(e)] = 1.0f;
  return p;
}

std::string_view StrategyName(Strategy s) {
  switch (s) {
    case Strategy::kMatch: return "match";
    case Strategy::kUplift: return "uplift";
    case Strategy::kCalm: return "calm";
  }
  return "match";
}

Result<Strategy> ParseStrategy(std::string_view name) {
  for (Strategy s : {Strategy::kMatch, Strategy::kUplift, Strategy::kCalm})
    if (name == StrategyName(s)) return s;
  return Status::InvalidArgument("unknown strategy '" + std::string(name) +
                                 "' (match, uplift, calm)");
}

std::vector<MoodPoint> TargetPath(MoodPoint start, Strategy s, int n) {
  std::vector<MoodPoint> path;
  if (n < 1) return path;
  path.reserve(n);
  MoodPoint from = start, to = start;
  if (s == Strategy::kUplift) {
    to = {std::max(start.valence, kUpliftGoal.valence), kUpliftGoal.energy};
  } else if (s == Strategy::kCalm) {
    from = {start.valence, std::min(start.energy, 0.5f)};
    to = {std::max(start.valence, kCalmGoal.valence), std::min(from.energy, kCalmGoal.energy)};
  }
  for (int i = 0; i < n; ++i) {
    const float t = n == 1 ? 0.0f : static_cast<float>(i) / static_cast<float>(n - 1);
    path.push_back(Lerp(from, to, t));
  }
  return path;
}

float Distance(MoodPoint a, MoodPoint b) {
  const float dv = a.valence - b.valence, de = a.energy - b.energy;
  return std::sqrt(dv * dv + de * de);
}

}  // namespace moodtune::music
