#include "moodtune/music/recommend_eval.h"

#include <algorithm>
#include <numeric>
#include <random>
#include <unordered_map>

namespace moodtune::music {

std::string_view EvalMethodName(EvalMethod m) {
  switch (m) {
    case EvalMethod::kRecommender:
      return "recommender";
    case EvalMethod::kRandomOne:
      return "random-1";
    case EvalMethod::kBucketFive:
      return "bucket-5";
  }
  return "recommender";
}

Emotion NearestEmotion(MoodPoint p) {
  Emotion best = Emotion::kNeutral;
  float best_d = 10;
  for (int i = 0; i < kNumEmotions; ++i) {
    const float d = Distance(p, EmotionAnchor(Emotion(i)));
    if (d < best_d) best_d = d, best = Emotion(i);
  }
  return best;
}

bool SameQuadrant(MoodPoint p, MoodPoint target) {
  return (p.valence >= 0.5f) == (target.valence >= 0.5f) &&
         (p.energy >= 0.5f) == (target.energy >= 0.5f);
}

Result<std::vector<EvalCell>> EvaluateRecommendations(std::span<const Track> catalogue,
                                                      std::span<const MoodPoint> truth,
                                                      const EvalOptions& o) {
  if (catalogue.size() != truth.size())
    return Status::InvalidArgument("eval: catalogue and ground truth differ in size");
  if (catalogue.empty()) return Status::InvalidArgument("eval: empty catalogue");
  if (o.trials < 1) return Status::InvalidArgument("eval: trials must be >= 1");
  const int n = o.recommend.n;
  // Index of each track by id, to find a pick's ground truth (ids are unique when stored;
  // fall back to position for unstored tracks with id 0).
  std::unordered_map<std::int64_t, std::size_t> by_id;
  for (std::size_t i = 0; i < catalogue.size(); ++i)
    if (catalogue[i].id != 0) by_id.emplace(catalogue[i].id, i);
  std::vector<std::vector<std::size_t>> buckets(kNumEmotions);
  for (std::size_t i = 0; i < catalogue.size(); ++i)
    buckets[static_cast<int>(NearestEmotion({catalogue[i].valence, catalogue[i].energy}))]
        .push_back(i);

  std::vector<EvalCell> out;
  for (int e = 0; e < kNumEmotions; ++e) {
    const Emotion emotion = Emotion(e);
    for (Strategy s : {Strategy::kMatch, Strategy::kUplift, Strategy::kCalm}) {
      const std::vector<MoodPoint> path = TargetPath(EmotionAnchor(emotion), s, n);
      for (EvalMethod m :
           {EvalMethod::kRecommender, EvalMethod::kRandomOne, EvalMethod::kBucketFive}) {
        EvalCell cell{emotion, s, m, 0, 0, 0};
        double dist = 0, hits = 0;
        auto score = [&](std::size_t track, MoodPoint target) {
          dist += Distance(truth[track], target);
          hits += SameQuadrant(truth[track], target) ? 1 : 0;
          ++cell.pairs;
        };
        for (int t = 0; t < o.trials; ++t) {
          const std::uint64_t seed = o.seed + static_cast<std::uint64_t>(t);
          std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ULL + static_cast<std::uint64_t>(e));
          if (m == EvalMethod::kRecommender) {
            RecommendOptions ro = o.recommend;
            ro.strategy = s;
            ro.seed = seed;
            auto recs = Recommend(catalogue, OneHot(emotion), {}, ro);
            if (!recs.ok()) return recs.status();
            for (std::size_t k = 0; k < recs->size(); ++k) {
              const Track& picked = (*recs)[k].track;
              auto it = by_id.find(picked.id);
              if (it == by_id.end()) continue;  // ids are unique once stored
              score(it->second, path[k]);
            }
          } else if (m == EvalMethod::kRandomOne) {
            std::uniform_int_distribution<std::size_t> pick(0, catalogue.size() - 1);
            const std::size_t track = pick(rng);
            for (const MoodPoint& target : path) score(track, target);
          } else {
            std::vector<std::size_t> bucket = buckets[e];
            std::shuffle(bucket.begin(), bucket.end(), rng);
            for (std::size_t k = 0; k < bucket.size() && k < path.size(); ++k)
              score(bucket[k], path[k]);
          }
        }
        if (cell.pairs > 0) {
          cell.mean_distance = dist / cell.pairs;
          cell.in_quadrant = hits / cell.pairs;
        }
        out.push_back(cell);
      }
    }
  }
  return out;
}

}  // namespace moodtune::music
