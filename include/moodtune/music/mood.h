// Emotion -> valence/energy targets and the strategies that turn one target into a path.
// Pure functions; thread-safe.
#pragma once

#include <string_view>
#include <vector>

#include "moodtune/emotion.h"
#include "moodtune/status.h"

namespace moodtune::music {

// A point on the valence (x) / energy (y) plane, both 0..1.
struct MoodPoint {
  float valence = 0.5f;
  float energy = 0.5f;
};

// Where each of the 7 emotions sits on the plane (Russell's circumplex, scaled to 0..1):
//   angry (0.15, 0.85)  disgust (0.20, 0.55)  fear (0.20, 0.75)  happy (0.85, 0.70)
//   sad (0.20, 0.25)    surprise (0.65, 0.80) neutral (0.50, 0.45)
MoodPoint EmotionAnchor(Emotion e);

// Probability-weighted mean of the anchors, so a 40 % sad / 35 % neutral face lands between
// the two instead of on "heartbroken". Negative entries count as 0; an all-zero input gives
// the neutral anchor. The input need not sum to 1.
MoodPoint ProbsToMoodPoint(const EmotionProbs& p);

// All mass on one emotion.
EmotionProbs OneHot(Emotion e);

enum class Strategy {
  kMatch,   // mirror the mood at every position (the reference system's behaviour)
  kUplift,  // iso principle: start at the mood, step toward kUpliftGoal across the list
  kCalm,    // start at the mood's valence with capped energy, step down toward low energy
};
std::string_view StrategyName(Strategy s);            // "match", "uplift", "calm"
Result<Strategy> ParseStrategy(std::string_view name);

inline constexpr MoodPoint kUpliftGoal{0.80f, 0.60f};  // content and lively
inline constexpr MoodPoint kCalmGoal{0.60f, 0.15f};    // pleasant and still

// One target per list position (n >= 1). match: n copies of start. uplift: linear steps
// from start to the goal, never lowering valence below start. calm: from (start.valence,
// min(start.energy, 0.5)) to the calm goal, never raising energy.
std::vector<MoodPoint> TargetPath(MoodPoint start, Strategy s, int n);

// Euclidean distance on the plane; max sqrt(2).
float Distance(MoodPoint a, MoodPoint b);

}  // namespace moodtune::music
