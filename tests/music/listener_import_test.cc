// Deezer mood import, re-check and ground truth against a catalogue in memory: a synthetic
// CSV built from embedded tracks, and slices of the real dataset from ../shared/data
// (skipped without it, failing under CI=true).
#include "moodtune/music/listener_import.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>

#include "../common/data_dir.h"
#include "../common/skip.h"
#include "moodtune/music/recommender.h"

namespace moodtune::music {
namespace {
namespace fs = std::filesystem;

std::unique_ptr<Catalogue> Memory() {
  auto c = Catalogue::Open({});
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return std::move(*c);
}

// Listener rows for the first `n` embedded tracks (valence/arousal a monotone map of the
// hand values, so the fit is exact) plus `extra` tracks of their own.
std::vector<ListenerTrack> Synthetic(int n, int extra) {
  auto embedded = DefaultCatalogueTracks();
  EXPECT_TRUE(embedded.ok());
  std::vector<ListenerTrack> out;
  for (int i = 0; i < n; ++i) {
    const Track& t = (*embedded)[i];
    out.push_back({std::to_string(1000 + i), t.artists.front(), t.title, (t.valence - 0.5f) * 4,
                   (t.energy - 0.5f) * 4});
  }
  for (int i = 0; i < extra; ++i)
    out.push_back({std::to_string(5000 + i), "Listener Artist " + std::to_string(i),
                   "Listener Song " + std::to_string(i), -2.0f + 0.1f * static_cast<float>(i % 40),
                   2.0f - 0.1f * static_cast<float>(i % 40)});
  return out;
}

TEST(ListenerImportTest, CalibratesOnSharedTracksAndAddsOnlyNewOnes) {
  auto cat = Memory();
  const auto before = *cat->TrackCount();
  auto r = ImportDeezerMood(*cat, Synthetic(60, 30));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->calibration.valence.n, 60);
  EXPECT_NEAR(r->calibration.valence.r, 1.0, 1e-5);
  EXPECT_NEAR(r->calibration.valence.slope, 0.25, 1e-5);
  EXPECT_NEAR(r->calibration.energy.intercept, 0.5, 1e-5);
  EXPECT_EQ(r->already_stored, 60);
  EXPECT_EQ(r->added.inserted, 30);
  EXPECT_EQ(*cat->TrackCount(), before + 30);
  auto all = cat->AllTracks();
  const auto it = std::find_if(all->begin(), all->end(),
                               [](const Track& t) { return t.title == "Listener Song 3"; });
  ASSERT_NE(it, all->end());
  EXPECT_EQ(it->deezer_id, "5003");
  EXPECT_EQ(it->genre, "");
  EXPECT_EQ(it->source, "deezer-mood");
  EXPECT_NEAR(it->valence, std::clamp(0.25f * -1.7f + 0.5f, 0.0f, 1.0f), 1e-5);
}

TEST(ListenerImportTest, TooFewSharedTracksIsAnError) {
  auto cat = Memory();
  auto r = ImportDeezerMood(*cat, Synthetic(2, 10));
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsInvalidArgument());
  EXPECT_EQ(*cat->TrackCount(), *Memory()->TrackCount());  // nothing added
}

TEST(ListenerImportTest, SetMoodsCorrectsStoredTracksAtomically) {
  auto cat = Memory();
  auto all = cat->AllTracks();
  const std::int64_t id = all->front().id;
  ASSERT_TRUE(cat->SetMoods(std::vector<MoodUpdate>{{id, 0.11f, 0.22f, "777"}}).ok());
  auto t = cat->GetTrack(id);
  EXPECT_FLOAT_EQ(t->valence, 0.11f);
  EXPECT_FLOAT_EQ(t->energy, 0.22f);
  EXPECT_EQ(t->deezer_id, "777");
  EXPECT_EQ(t->deezer_url, "https://www.deezer.com/track/777");
  // An unknown id anywhere in the batch: nothing written.
  Status s = cat->SetMoods(std::vector<MoodUpdate>{{id, 0.9f, 0.9f, ""}, {999999, 0.5f, 0.5f, ""}});
  EXPECT_TRUE(s.IsNotFound());
  EXPECT_FLOAT_EQ(cat->GetTrack(id)->valence, 0.11f);
  EXPECT_TRUE(cat->SetMoods(std::vector<MoodUpdate>{{id, 1.5f, 0.5f, ""}}).IsInvalidArgument());
}

TEST(ListenerImportTest, GroundTruthByDeezerIdThenByTitle) {
  const Calibration c{{3, 1, 0.25, 0.5}, {3, 1, 0.25, 0.5}};
  Track by_id;
  by_id.title = "Renamed";
  by_id.artists = {"X"};
  by_id.deezer_id = "42";
  Track by_title;
  by_title.title = "Song";
  by_title.artists = {"The Band"};
  Track none;
  none.title = "Other";
  none.artists = {"Y"};
  const std::vector<ListenerTrack> l = {{"42", "Z", "Original", 2, -2},
                                        {"43", "Band", "Song", 0, 0}};
  const GroundTruth gt = WithListenerTruth(std::vector<Track>{by_id, by_title, none}, l, c);
  ASSERT_EQ(gt.tracks.size(), 2u);
  EXPECT_EQ(gt.tracks[0].title, "Renamed");
  EXPECT_FLOAT_EQ(gt.truth[0].valence, 1.0f);
  EXPECT_FLOAT_EQ(gt.truth[0].energy, 0.0f);
  EXPECT_FLOAT_EQ(gt.truth[1].valence, 0.5f);
}

std::vector<std::string> DatasetFiles() {
  const fs::path dir = moodtune_test::DataDir() / "deezer-mood";
  std::vector<std::string> out;
  for (const char* f : {"train.csv", "validation.csv", "test.csv"})
    if (fs::exists(dir / f)) out.push_back((dir / f).string());
  return out;
}

TEST(ListenerImportDataTest, RealDatasetParsesCalibratesAndImports) {
  const auto files = DatasetFiles();
  if (files.size() != 3)
    MOODTUNE_SKIP_OR_FAIL("deezer-mood dataset not in " << moodtune_test::DataDir());
  auto rows = ReadDeezerMoodFiles(files);
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(rows->rows, 18644);
  EXPECT_TRUE(rows->problems.empty()) << rows->problems.front();
  auto cal = CalibrateAgainstEmbedded(rows->tracks);
  ASSERT_TRUE(cal.ok()) << cal.status().ToString();
  // The count: about 96 embedded tracks are in the dataset; hand values agree
  // moderately (positive r well below 1).
  EXPECT_GE(cal->valence.n, 80);
  EXPECT_GT(cal->valence.r, 0.4);
  EXPECT_LT(cal->valence.r, 0.95);
  EXPECT_GT(cal->energy.r, 0.3);
  EXPECT_GT(cal->valence.slope, 0);

  auto cat = Memory();
  const auto t0 = std::chrono::steady_clock::now();
  auto r = ImportDeezerMood(*cat, rows->tracks);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->added.inserted + r->added.duplicates + r->already_stored, 18644);
  EXPECT_GT(r->added.inserted, 18000);
  RecordProperty("import_seconds", std::to_string(s));
  // Issue 15 target is 1 s (measured by the CLI and bench); a loose bound here so a loaded
  // CI machine does not flake, yet a quadratic import still fails.
  EXPECT_LT(s, 10.0);

  // Scale: with everything imported, 5 distinct artists and genre filters still hold.
  auto all = cat->AllTracks();
  ASSERT_TRUE(all.ok());
  for (int e = 0; e < kNumEmotions; ++e) {
    RecommendOptions o;
    o.seed = 7;
    auto recs = Recommend(*all, OneHot(Emotion(e)), {}, o);
    ASSERT_TRUE(recs.ok());
    ASSERT_EQ(recs->size(), 5u);
    std::set<std::string> artists;
    for (const auto& rec : *recs) artists.insert(rec.track.artists.front());
    EXPECT_EQ(artists.size(), 5u);
  }
  RecommendOptions jazz;
  jazz.include_genres = {"jazz"};
  jazz.seed = 3;
  auto recs = Recommend(*all, OneHot(Emotion::kSad), {}, jazz);
  ASSERT_TRUE(recs.ok());
  ASSERT_FALSE(recs->empty());
  for (const auto& rec : *recs) EXPECT_EQ(rec.track.genre, "jazz");
  auto w = GenreFilterWarning(*all, jazz.include_genres);
  ASSERT_TRUE(w.has_value());
  EXPECT_EQ(w->code, "tracks_without_genre");
  EXPECT_NE(w->message.find(std::to_string(r->added.inserted) + " of "), std::string::npos);
}

}  // namespace
}  // namespace moodtune::music
