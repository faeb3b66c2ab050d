// recommend-eval's measurement (issue 15) on small synthetic catalogues whose answers are
// known.
#include "moodtune/music/recommend_eval.h"

#include <gtest/gtest.h>

namespace moodtune::music {
namespace {

// A grid of tracks over the plane, each by its own artist, ids 1..
std::vector<Track> Grid(int side) {
  std::vector<Track> out;
  for (int i = 0; i < side; ++i)
    for (int j = 0; j < side; ++j) {
      Track t;
      t.id = static_cast<std::int64_t>(out.size()) + 1;
      // Built by appending: GCC 12's -Wrestrict misfires on "T" + std::to_string(...).
      t.title = "T";
      t.title += std::to_string(t.id);
      t.artists = {std::string("A") += std::to_string(t.id)};
      t.genre = "pop";
      t.valence = (static_cast<float>(i) + 0.5f) / static_cast<float>(side);
      t.energy = (static_cast<float>(j) + 0.5f) / static_cast<float>(side);
      out.push_back(t);
    }
  return out;
}

std::vector<MoodPoint> StoredAsTruth(const std::vector<Track>& c) {
  std::vector<MoodPoint> out;
  for (const Track& t : c) out.push_back({t.valence, t.energy});
  return out;
}

const EvalCell& Cell(const std::vector<EvalCell>& cells, Emotion e, Strategy s, EvalMethod m) {
  for (const auto& c : cells)
    if (c.emotion == e && c.strategy == s && c.method == m) return c;
  static EvalCell none;
  ADD_FAILURE() << "no cell";
  return none;
}

TEST(RecommendEvalTest, HelpersAndDefaults) {
  EXPECT_EQ(EvalOptions{}.trials, 50);
  EXPECT_EQ(EvalOptions{}.seed, 1u);
  EXPECT_EQ(EvalMethodName(EvalMethod::kBucketFive), "bucket-5");
  for (int e = 0; e < kNumEmotions; ++e)
    EXPECT_EQ(NearestEmotion(EmotionAnchor(Emotion(e))), Emotion(e));
  EXPECT_TRUE(SameQuadrant({0.9f, 0.9f}, {0.6f, 0.5f}));
  EXPECT_FALSE(SameQuadrant({0.9f, 0.4f}, {0.6f, 0.5f}));
  EXPECT_FALSE(SameQuadrant({0.1f, 0.9f}, {0.6f, 0.9f}));
}

TEST(RecommendEvalTest, AllCellsAndRecommenderBeatsRandomWhenValuesAreTrue) {
  const auto cat = Grid(20);
  EvalOptions o;
  o.trials = 10;
  auto cells = EvaluateRecommendations(cat, StoredAsTruth(cat), o);
  ASSERT_TRUE(cells.ok()) << cells.status().ToString();
  EXPECT_EQ(cells->size(), 7u * 3u * 3u);
  for (int e = 0; e < kNumEmotions; ++e)
    for (Strategy s : {Strategy::kMatch, Strategy::kUplift, Strategy::kCalm}) {
      const auto& rec = Cell(*cells, Emotion(e), s, EvalMethod::kRecommender);
      const auto& rnd = Cell(*cells, Emotion(e), s, EvalMethod::kRandomOne);
      EXPECT_EQ(rec.pairs, 50);
      EXPECT_EQ(rnd.pairs, 50);
      EXPECT_LT(rec.mean_distance, 0.15) << EmotionName(Emotion(e));
      EXPECT_LT(rec.mean_distance, rnd.mean_distance);
    }
  const auto& sad = Cell(*cells, Emotion::kSad, Strategy::kMatch, EvalMethod::kRecommender);
  EXPECT_GT(sad.in_quadrant, 0.95);
}

TEST(RecommendEvalTest, GroundTruthNotStoredValuesIsScored) {
  // Stored values say every track is sad; listeners say every track is happy: the
  // recommender's sad lists land far from the sad target and out of its quadrant.
  auto cat = Grid(6);
  std::vector<MoodPoint> truth(cat.size(), MoodPoint{0.9f, 0.8f});
  for (auto& t : cat) t.valence = 0.2f, t.energy = 0.25f;
  EvalOptions o;
  o.trials = 3;
  auto cells = EvaluateRecommendations(cat, truth, o);
  ASSERT_TRUE(cells.ok());
  const auto& sad = Cell(*cells, Emotion::kSad, Strategy::kMatch, EvalMethod::kRecommender);
  EXPECT_NEAR(sad.mean_distance, Distance({0.9f, 0.8f}, EmotionAnchor(Emotion::kSad)), 1e-5);
  EXPECT_EQ(sad.in_quadrant, 0.0);
  // Every track's stored point is nearest the sad anchor: only sad has a bucket.
  EXPECT_EQ(Cell(*cells, Emotion::kSad, Strategy::kMatch, EvalMethod::kBucketFive).pairs, 15);
  EXPECT_EQ(Cell(*cells, Emotion::kHappy, Strategy::kMatch, EvalMethod::kBucketFive).pairs, 0);
}

TEST(RecommendEvalTest, BadInputs) {
  const auto cat = Grid(3);
  EXPECT_FALSE(EvaluateRecommendations(cat, std::vector<MoodPoint>(2), {}).ok());
  EXPECT_FALSE(EvaluateRecommendations({}, {}, {}).ok());
  EvalOptions o;
  o.trials = 0;
  EXPECT_FALSE(EvaluateRecommendations(cat, StoredAsTruth(cat), o).ok());
}

TEST(RecommendEvalTest, SameSeedSameTable) {
  const auto cat = Grid(10);
  EvalOptions o;
  o.trials = 5;
  auto a = EvaluateRecommendations(cat, StoredAsTruth(cat), o);
  auto b = EvaluateRecommendations(cat, StoredAsTruth(cat), o);
  ASSERT_TRUE(a.ok() && b.ok());
  for (size_t i = 0; i < a->size(); ++i) EXPECT_EQ((*a)[i].mean_distance, (*b)[i].mean_distance);
}

}  // namespace
}  // namespace moodtune::music
