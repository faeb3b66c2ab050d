#include "moodtune/music/catalogue.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>

namespace moodtune::music {
namespace {
namespace fs = std::filesystem;

Track MakeTrack(std::string title, std::string artist, float v = 0.5f, float e = 0.5f,
                std::string genre = "pop") {
  Track t;
  t.title = std::move(title);
  t.artists = {std::move(artist)};
  t.valence = v;
  t.energy = e;
  t.genre = std::move(genre);
  t.moods = {"calm", "warm"};
  t.source = "test";
  return t;
}

std::unique_ptr<Catalogue> OpenEmpty() {
  CatalogueOptions o;
  o.load_default_catalogue = false;
  auto c = Catalogue::Open(o);
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return std::move(*c);
}

class TempDir : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("moodtune_catalogue_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST(CatalogueTest, OptionDefaults) {
  CatalogueOptions o;
  EXPECT_EQ(o.path, ":memory:");
  EXPECT_EQ(o.busy_timeout_ms, 5000);
  EXPECT_TRUE(o.load_default_catalogue);
  EXPECT_EQ(o.recent_plays, 20);
}

TEST(CatalogueTest, MigratesAnEmptyDatabase) {
  auto c = OpenEmpty();
  EXPECT_EQ(c->schema_version(), LatestSchemaVersion());
  EXPECT_GE(LatestSchemaVersion(), 2);
  EXPECT_EQ(*c->TrackCount(), 0);
}

TEST(CatalogueTest, RoundTripsEveryField) {
  auto c = OpenEmpty();
  Track t = MakeTrack("Title, with comma", "A", 0.25f, 0.75f, "Hip Hop");
  t.artists.push_back("B");
  t.album = "Album";
  t.year = 1999;
  t.spotify_url = "https://open.spotify.com/track/xyz";
  t.deezer_url = "https://www.deezer.com/track/1";
  t.preview_url = "https://cdn/preview.mp3";
  t.spotify_id = "xyz";
  t.deezer_id = "1";
  std::vector<Track> in = {t};
  auto added = c->AddTracks(in);
  ASSERT_TRUE(added.ok());
  EXPECT_EQ(added->inserted, 1);
  auto all = c->AllTracks();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  const Track& r = (*all)[0];
  EXPECT_GT(r.id, 0);
  EXPECT_EQ(r.title, t.title);
  EXPECT_EQ(r.artists, t.artists);
  EXPECT_EQ(r.album, "Album");
  EXPECT_EQ(r.genre, "hip-hop");
  EXPECT_EQ(r.year, 1999);
  EXPECT_FLOAT_EQ(r.valence, 0.25f);
  EXPECT_FLOAT_EQ(r.energy, 0.75f);
  EXPECT_EQ(r.moods, t.moods);
  EXPECT_EQ(r.spotify_url, t.spotify_url);
  EXPECT_EQ(r.deezer_url, t.deezer_url);
  EXPECT_EQ(r.preview_url, t.preview_url);
  EXPECT_EQ(r.spotify_id, "xyz");
  EXPECT_EQ(r.deezer_id, "1");
  EXPECT_EQ(r.source, "test");
  EXPECT_EQ(c->GetTrack(r.id)->title, t.title);
  EXPECT_TRUE(c->GetTrack(r.id + 100).status().IsNotFound());
}

TEST(CatalogueTest, DuplicatesAreCountedNotInserted) {
  auto c = OpenEmpty();
  std::vector<Track> in = {MakeTrack("Hello", "Adele"), MakeTrack("hello", "ADELE"),
                           MakeTrack("Hello", "Lionel Richie")};
  auto added = c->AddTracks(in);
  ASSERT_TRUE(added.ok());
  EXPECT_EQ(added->inserted, 2);
  EXPECT_EQ(added->duplicates, 1);
  EXPECT_EQ(*c->TrackCount(), 2);
}

TEST(CatalogueTest, InvalidTrackWritesNothing) {
  auto c = OpenEmpty();
  std::vector<Track> in = {MakeTrack("Good", "A"), MakeTrack("Bad", "B", 1.5f)};
  auto added = c->AddTracks(in);
  EXPECT_TRUE(added.status().IsInvalidArgument());
  EXPECT_NE(added.status().message().find("track 2"), std::string::npos);
  EXPECT_EQ(*c->TrackCount(), 0);
  in = {MakeTrack("", "A")};
  EXPECT_FALSE(c->AddTracks(in).ok());
}

TEST(CatalogueTest, HistoryHoldsRecentPlaysAndFeedback) {
  CatalogueOptions o;
  o.load_default_catalogue = false;
  o.recent_plays = 2;
  auto c = Catalogue::Open(o).value();
  std::vector<Track> in = {MakeTrack("One", "A"), MakeTrack("Two", "B"), MakeTrack("Three", "A")};
  ASSERT_TRUE(c->AddTracks(in).ok());
  auto all = *c->AllTracks();
  ASSERT_TRUE(c->RecordPlay("ana", all[0].id, 100).ok());
  ASSERT_TRUE(c->RecordPlay("ana", all[1].id, 200).ok());
  ASSERT_TRUE(c->RecordPlay("ana", all[2].id, 300).ok());
  ASSERT_TRUE(c->RecordPlay("ben", all[0].id, 400).ok());
  ASSERT_TRUE(c->RecordFeedback("ana", all[0].id, FeedbackKind::kSkip, 500).ok());
  ASSERT_TRUE(c->RecordFeedback("ana", all[0].id, FeedbackKind::kSkip, 501).ok());
  ASSERT_TRUE(c->RecordFeedback("ana", all[1].id, FeedbackKind::kLike, 502).ok());
  auto h = c->History("ana");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->recent_track_ids, (std::unordered_set<std::int64_t>{all[1].id, all[2].id}));
  EXPECT_EQ(h->by_track[all[0].id].skips, 2);
  EXPECT_EQ(h->by_track[all[1].id].likes, 1);
  EXPECT_EQ(h->by_artist["a"], -2);
  EXPECT_EQ(h->by_artist["b"], 1);
  EXPECT_TRUE(c->History("nobody")->recent_track_ids.empty());
  EXPECT_TRUE(c->RecordPlay("ana", 9999, 1).IsNotFound());
  EXPECT_TRUE(c->RecordPlay("", all[0].id, 1).IsInvalidArgument());
  auto s = c->Stats();
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->tracks, 3);
  EXPECT_EQ(s->listeners, 2);
  EXPECT_EQ(s->plays, 4);
  EXPECT_EQ(s->feedback, 3);
  EXPECT_EQ(s->by_genre["pop"], 3);
  EXPECT_EQ(s->by_source["test"], 3);
}

TEST_F(TempDir, FileDatabaseIsCreatedInWalModeAndSeededOnce) {
  CatalogueOptions o;
  o.path = (dir_ / "nested" / "moodtune.db").string();
  std::int64_t first_count = 0;
  {
    auto c = Catalogue::Open(o);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    first_count = *(*c)->TrackCount();
    EXPECT_GE(first_count, 600);
    EXPECT_TRUE(fs::exists(o.path + "-wal"));
  }
  auto again = Catalogue::Open(o);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*(*again)->TrackCount(), first_count);
  EXPECT_EQ((*again)->schema_version(), LatestSchemaVersion());
}

TEST_F(TempDir, RefusesADatabaseFromANewerBuild) {
  fs::create_directories(dir_);
  const std::string path = (dir_ / "future.db").string();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  const std::string sql = "PRAGMA user_version = " + std::to_string(LatestSchemaVersion() + 1);
  sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
  sqlite3_close(db);
  CatalogueOptions o;
  o.path = path;
  EXPECT_TRUE(Catalogue::Open(o).status().IsUnsupported());
}

TEST_F(TempDir, UnopenablePathIsUnavailable) {
  fs::create_directories(dir_);
  CatalogueOptions o;
  o.path = dir_.string();  // a directory, not a database file
  auto c = Catalogue::Open(o);
  EXPECT_FALSE(c.ok());
}

}  // namespace
}  // namespace moodtune::music
