// `moodtune recommend-eval`: how well lists fit the mood, measured against ground-truth
// points (listener coordinates) instead of the values the recommender scored on.
// Pure; thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "moodtune/emotion.h"
#include "moodtune/music/mood.h"
#include "moodtune/music/recommender.h"
#include "moodtune/music/track.h"
#include "moodtune/status.h"

namespace moodtune::music {

enum class EvalMethod {
  kRecommender,  // Recommend(OneHot(emotion)) with the strategy, one list per trial seed
  kRandomOne,    // one uniformly random catalogue track (the reference system)
  kBucketFive,   // n random tracks of the emotion's bucket (a mood-labelled playlist)
};
std::string_view EvalMethodName(EvalMethod m);  // "recommender", "random-1", "bucket-5"

struct EvalOptions {
  int trials = 50;             // lists (or draws) per emotion x strategy x method
  std::uint64_t seed = 1;      // trial t uses seed + t: reproducible
  RecommendOptions recommend;  // the recommender's settings; strategy and seed are set per cell
};

struct EvalCell {
  Emotion emotion = Emotion::kNeutral;
  Strategy strategy = Strategy::kMatch;
  EvalMethod method = EvalMethod::kRecommender;
  double mean_distance = 0;  // mean plane distance, ground truth of a pick -> its target
  double in_quadrant = 0;    // share of (pick, target) pairs in the same quadrant
  int pairs = 0;             // (pick, target) pairs averaged
};

// The emotion whose anchor (EmotionAnchor) is nearest to p: a track's bucket.
Emotion NearestEmotion(MoodPoint p);

// Same side of 0.5 on valence and on energy (a target exactly at 0.5 counts as high).
bool SameQuadrant(MoodPoint p, MoodPoint target);

// For every emotion x strategy x method: a list of recommend.n picks is compared position by
// position with TargetPath(EmotionAnchor(emotion), strategy, n); random-1's single track is
// compared with every position's target. Picks are chosen on the tracks' stored values,
// scored on truth[i] (ground truth of catalogue[i]); buckets use the stored values.
// InvalidArgument when the sizes differ, the catalogue is empty or trials < 1.
Result<std::vector<EvalCell>> EvaluateRecommendations(std::span<const Track> catalogue,
                                                      std::span<const MoodPoint> truth,
                                                      const EvalOptions& o);

}  // namespace moodtune::music
