#include "moodtune/music/recommender.h"

#include <gtest/gtest.h>

#include <set>

namespace moodtune::music {
namespace {

// A grid of tracks over the plane: every (valence, energy) cell in steps of 0.1, one artist
// per track, genres cycling through `genres`.
std::vector<Track> Grid(std::vector<std::string> genres = {"pop", "gospel", "rock", "jazz"}) {
  std::vector<Track> out;
  int id = 1;
  for (int v = 0; v <= 10; ++v)
    for (int e = 0; e <= 10; ++e) {
      Track t;
      t.id = id;
      t.title = "T";
      t.title += std::to_string(id);
      t.artists = {std::string("Artist ") += std::to_string(id)};
      t.genre = genres[id % genres.size()];
      t.valence = v / 10.0f;
      t.energy = e / 10.0f;
      out.push_back(t);
      ++id;
    }
  return out;
}

RecommendOptions Seeded(std::uint64_t seed = 7) {
  RecommendOptions o;
  o.seed = seed;
  return o;
}

float MeanValence(const std::vector<Recommendation>& r) {
  float s = 0;
  for (const auto& x : r) s += x.track.valence;
  return s / static_cast<float>(r.size());
}

TEST(RecommenderTest, DefaultsAreDocumentedValues) {
  RecommendOptions o;
  EXPECT_EQ(o.n, 5);
  EXPECT_EQ(o.strategy, Strategy::kMatch);
  EXPECT_FLOAT_EQ(o.diversity, 0.15f);
  EXPECT_FLOAT_EQ(o.spread, 0.10f);
  EXPECT_FLOAT_EQ(o.like_bonus, 0.15f);
  EXPECT_FLOAT_EQ(o.skip_penalty, 0.20f);
  EXPECT_FLOAT_EQ(o.artist_weight, 0.05f);
  EXPECT_FLOAT_EQ(o.jitter, 0.04f);
  EXPECT_FALSE(o.seed.has_value());
  EXPECT_TRUE(o.include_genres.empty());
}

TEST(RecommenderTest, SadAndHappyGetDifferentMusic) {
  auto cat = Grid();
  auto sad = Recommend(cat, OneHot(Emotion::kSad), {}, Seeded());
  auto happy = Recommend(cat, OneHot(Emotion::kHappy), {}, Seeded());
  ASSERT_TRUE(sad.ok());
  ASSERT_TRUE(happy.ok());
  ASSERT_EQ(sad->size(), 5u);
  ASSERT_EQ(happy->size(), 5u);
  EXPECT_LT(MeanValence(*sad), 0.4f);
  EXPECT_GT(MeanValence(*happy), 0.6f);
  for (const auto& r : *sad) {
    EXPECT_NEAR(r.reason.distance,
                Distance({r.track.valence, r.track.energy}, r.reason.target), 1e-5);
    EXPECT_LT(r.reason.distance, 0.35f);
    EXPECT_NE(r.reason.text.find("distance"), std::string::npos);
  }
}

TEST(RecommenderTest, NoArtistTwiceEvenWhenOneArtistIsClosest) {
  auto cat = Grid();
  for (auto& t : cat)
    if (t.valence <= 0.3f && t.energy <= 0.4f) t.artists = {"Same Singer"};
  auto r = Recommend(cat, OneHot(Emotion::kSad), {}, Seeded());
  ASSERT_TRUE(r.ok());
  std::set<std::string> artists;
  for (const auto& x : *r) EXPECT_TRUE(artists.insert(x.track.artists[0]).second);
}

TEST(RecommenderTest, FeaturedArtistCountsAsTheSameArtist) {
  std::vector<Track> cat(3);
  for (int i = 0; i < 3; ++i) {
    cat[i].id = i + 1;
    cat[i].title = std::string(1, static_cast<char>('A' + i));
    cat[i].valence = 0.2f;
    cat[i].energy = 0.25f;
    cat[i].genre = "pop";
  }
  cat[0].artists = {"A"};
  cat[1].artists = {"B", "a"};  // case-insensitive match with A
  cat[2].artists = {"C"};
  auto o = Seeded();
  o.n = 3;
  auto r = Recommend(cat, OneHot(Emotion::kSad), {}, o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->size(), 2u);
}

TEST(RecommenderTest, GenreIncludeAndExclude) {
  auto cat = Grid();
  auto o = Seeded();
  o.include_genres = {"Gospel"};
  auto r = Recommend(cat, OneHot(Emotion::kHappy), {}, o);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 5u);
  for (const auto& x : *r) {
    EXPECT_EQ(x.track.genre, "gospel");
    EXPECT_TRUE(x.reason.genre_match);
    EXPECT_NE(x.reason.text.find("genre gospel matches"), std::string::npos);
  }
  o = Seeded();
  o.exclude_genres = {"pop", "rock"};
  r = Recommend(cat, OneHot(Emotion::kHappy), {}, o);
  ASSERT_TRUE(r.ok());
  for (const auto& x : *r) EXPECT_TRUE(x.track.genre == "gospel" || x.track.genre == "jazz");
}

// Issue 13: afrobeat and afrobeats stay two genres in the data, but a filter for either
// finds both.
TEST(RecommenderTest, AfrobeatAndAfrobeatsFilterTogether) {
  auto cat = Grid();
  for (std::size_t i = 0; i < cat.size(); ++i)
    cat[i].genre = i % 3 == 0 ? "afrobeat" : (i % 3 == 1 ? "afrobeats" : "pop");
  for (const char* ask : {"afrobeat", "Afrobeats", "afro-beats"}) {
    auto o = Seeded();
    o.n = 6;
    o.include_genres = {ask};
    auto r = Recommend(cat, OneHot(Emotion::kHappy), {}, o);
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->size(), 6u) << ask;
    std::set<std::string> seen;
    for (const auto& x : *r) seen.insert(x.track.genre);
    EXPECT_EQ(seen.count("pop"), 0u) << ask;
    EXPECT_EQ(seen.size(), 2u) << ask << ": both afrobeat and afrobeats";
  }
  EXPECT_EQ(GenreFamily("jazz"), std::vector<std::string>{"jazz"});
}

TEST(RecommenderTest, DiversitySpreadsGenres) {
  auto cat = Grid();
  auto r = Recommend(cat, OneHot(Emotion::kNeutral), {}, Seeded());
  ASSERT_TRUE(r.ok());
  std::set<std::string> genres;
  for (const auto& x : *r) genres.insert(x.track.genre);
  EXPECT_GE(genres.size(), 3u);
  auto o = Seeded();
  o.diversity = 0;
  o.spread = 0;
  o.jitter = 0;
  auto plain = Recommend(cat, OneHot(Emotion::kNeutral), {}, o);
  ASSERT_TRUE(plain.ok());
  // Without the penalties the list hugs the target more tightly.
  float sum_div = 0, sum_plain = 0;
  for (const auto& x : *r) sum_div += x.reason.distance;
  for (const auto& x : *plain) sum_plain += x.reason.distance;
  EXPECT_LE(sum_plain, sum_div);
}

TEST(RecommenderTest, RecentPlaysAreExcluded) {
  auto cat = Grid();
  auto first = Recommend(cat, OneHot(Emotion::kSad), {}, Seeded());
  ASSERT_TRUE(first.ok());
  ListenerHistory h;
  for (const auto& x : *first) h.recent_track_ids.insert(x.track.id);
  auto second = Recommend(cat, OneHot(Emotion::kSad), h, Seeded());
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(second->size(), 5u);
  for (const auto& x : *second) EXPECT_EQ(h.recent_track_ids.count(x.track.id), 0u);
}

TEST(RecommenderTest, SkipsPushATrackOutAndLikesPullOneIn) {
  auto cat = Grid();
  auto o = Seeded();
  o.jitter = 0;
  auto base = Recommend(cat, OneHot(Emotion::kSad), {}, o);
  ASSERT_TRUE(base.ok());
  const std::int64_t top = (*base)[0].track.id;
  ListenerHistory h;
  h.by_track[top].skips = 2;
  auto after_skip = Recommend(cat, OneHot(Emotion::kSad), h, o);
  ASSERT_TRUE(after_skip.ok());
  for (const auto& x : *after_skip) EXPECT_NE(x.track.id, top);

  // A liked track 0.2 away from the target now makes the list.
  const MoodPoint target = EmotionAnchor(Emotion::kSad);
  std::int64_t far_id = 0;
  for (const auto& t : cat)
    if (std::abs(Distance({t.valence, t.energy}, target) - 0.206f) < 0.01f) far_id = t.id;
  ASSERT_NE(far_id, 0);
  bool in_base = false;
  for (const auto& x : *base) in_base |= x.track.id == far_id;
  ASSERT_FALSE(in_base);
  ListenerHistory liked;
  liked.by_track[far_id].likes = 1;
  auto after_like = Recommend(cat, OneHot(Emotion::kSad), liked, o);
  ASSERT_TRUE(after_like.ok());
  bool found = false;
  for (const auto& x : *after_like)
    if (x.track.id == far_id) {
      found = true;
      EXPECT_EQ(x.reason.likes, 1);
      EXPECT_NE(x.reason.text.find("liked"), std::string::npos);
    }
  EXPECT_TRUE(found);
}

TEST(RecommenderTest, ArtistFeedbackMovesTheirOtherTracks) {
  auto cat = Grid();
  auto o = Seeded();
  o.jitter = 0;
  auto base = Recommend(cat, OneHot(Emotion::kSad), {}, o);
  ASSERT_TRUE(base.ok());
  const std::string disliked = (*base)[0].track.artists[0];
  ListenerHistory h;
  h.by_artist[std::string("artist ") + disliked.substr(7)] = -3;  // keys are lower-case
  auto r = Recommend(cat, OneHot(Emotion::kSad), h, o);
  ASSERT_TRUE(r.ok());
  EXPECT_NE((*r)[0].track.artists[0], disliked);
}

TEST(RecommenderTest, SeededIsReproducibleUnseededVaries) {
  auto cat = Grid();
  auto ids = [&](const RecommendOptions& o) {
    std::vector<std::int64_t> v;
    auto r = Recommend(cat, OneHot(Emotion::kNeutral), {}, o);
    for (const auto& x : *r) v.push_back(x.track.id);
    return v;
  };
  EXPECT_EQ(ids(Seeded(42)), ids(Seeded(42)));
  RecommendOptions unseeded;
  unseeded.jitter = 0.2f;
  std::set<std::vector<std::int64_t>> seen;
  for (int i = 0; i < 20; ++i) seen.insert(ids(unseeded));
  EXPECT_GT(seen.size(), 1u);
}

TEST(RecommenderTest, UpliftRisesAndCalmSettles) {
  auto cat = Grid();
  auto o = Seeded();
  o.strategy = Strategy::kUplift;
  auto up = Recommend(cat, OneHot(Emotion::kSad), {}, o);
  ASSERT_TRUE(up.ok());
  ASSERT_EQ(up->size(), 5u);
  EXPECT_LT(up->front().track.valence, 0.4f);
  EXPECT_GT(up->back().track.valence, 0.6f);
  EXPECT_LT(up->front().reason.target.valence, up->back().reason.target.valence);

  o.strategy = Strategy::kCalm;
  auto calm = Recommend(cat, OneHot(Emotion::kAngry), {}, o);
  ASSERT_TRUE(calm.ok());
  for (const auto& x : *calm) EXPECT_LE(x.track.energy, 0.6f);
  EXPECT_LE(calm->back().track.energy, 0.3f);
}

TEST(RecommenderTest, FewerTracksThanAskedAndBadOptions) {
  auto cat = Grid();
  cat.resize(3);
  auto r = Recommend(cat, OneHot(Emotion::kSad), {}, Seeded());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->size(), 3u);
  EXPECT_TRUE(Recommend({}, OneHot(Emotion::kSad), {}, Seeded())->empty());
  auto o = Seeded();
  o.n = 0;
  EXPECT_TRUE(Recommend(cat, OneHot(Emotion::kSad), {}, o).status().IsInvalidArgument());
  o = Seeded();
  o.skip_penalty = -1;
  EXPECT_TRUE(Recommend(cat, OneHot(Emotion::kSad), {}, o).status().IsInvalidArgument());
}

}  // namespace
}  // namespace moodtune::music

namespace moodtune::music {
namespace {

// Issue 15: imported listener tracks have no genre; two of them are not "the same genre".
TEST(RecommenderTest, UnknownGenreTakesNoSameGenrePenalty) {
  auto unknown = Grid({"", "pop"});
  auto unique = unknown;
  for (auto& t : unique)
    if (t.genre.empty()) t.genre = "u" + std::to_string(t.id);  // never repeated
  for (int e = 0; e < kNumEmotions; ++e) {
    auto a = Recommend(unknown, OneHot(Emotion(e)), {}, Seeded());
    auto b = Recommend(unique, OneHot(Emotion(e)), {}, Seeded());
    ASSERT_TRUE(a.ok() && b.ok());
    ASSERT_EQ(a->size(), b->size());
    for (size_t i = 0; i < a->size(); ++i) EXPECT_EQ((*a)[i].track.id, (*b)[i].track.id);
  }
  auto r = Recommend(unknown, OneHot(Emotion::kSad), {}, Seeded());
  bool saw_unknown = false;
  for (const auto& x : *r)
    if (x.track.genre.empty()) {
      saw_unknown = true;
      EXPECT_NE(x.reason.text.find("genre unknown"), std::string::npos) << x.reason.text;
    }
  EXPECT_TRUE(saw_unknown);
}

TEST(RecommenderTest, GenreFilterWarnsAboutTracksWithoutGenre) {
  auto cat = Grid({"", "pop", "jazz"});
  EXPECT_FALSE(GenreFilterWarning(cat, {}).has_value());
  EXPECT_FALSE(GenreFilterWarning(Grid(), {"pop"}).has_value());
  auto w = GenreFilterWarning(cat, {"pop"});
  ASSERT_TRUE(w.has_value());
  EXPECT_EQ(w->code, "tracks_without_genre");
  size_t without = 0;
  for (const auto& t : cat) without += t.genre.empty();
  EXPECT_EQ(w->message, std::to_string(without) + " of " + std::to_string(cat.size()) +
                            " tracks have no genre and were not matched by the genre filter");
}

}  // namespace
}  // namespace moodtune::music
