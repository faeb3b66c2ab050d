// HistoryStore without a database server: the SQLite store, the pure history builder and
// URL redaction. The PostgreSQL store is tested against a real server in tests/pg/.
#include "moodtune/music/history_store.h"

#include <gtest/gtest.h>

#include <thread>

#include "moodtune/music/catalogue.h"

namespace moodtune::music {
namespace {

std::unique_ptr<Catalogue> MemoryCatalogue() {
  CatalogueOptions o;  // :memory:, default catalogue seeded
  auto cat = Catalogue::Open(o);
  EXPECT_TRUE(cat.ok()) << cat.status().ToString();
  return std::move(cat).value();
}

TEST(RedactDatabaseUrl, HidesUrlPassword) {
  EXPECT_EQ(RedactDatabaseUrl("postgresql://mt:s3cret@db:5432/moodtune"),
            "postgresql://mt:***@db:5432/moodtune");
  EXPECT_EQ(RedactDatabaseUrl("postgres://mt:p@ss@db/x?sslmode=require"),
            "postgres://mt:***@db/x?sslmode=require");
  EXPECT_EQ(RedactDatabaseUrl("postgresql://db/x?user=mt&password=s3cret&sslmode=require"),
            "postgresql://db/x?user=mt&password=***&sslmode=require");
}

TEST(RedactDatabaseUrl, LeavesUrlsWithoutPasswordAlone) {
  EXPECT_EQ(RedactDatabaseUrl(""), "");
  EXPECT_EQ(RedactDatabaseUrl("postgresql://mt@db:5432/moodtune"),
            "postgresql://mt@db:5432/moodtune");
  EXPECT_EQ(RedactDatabaseUrl("postgresql://db/x?passwordless=1"),
            "postgresql://db/x?passwordless=1");
}

TEST(RedactDatabaseUrl, HidesKeyValuePassword) {
  EXPECT_EQ(RedactDatabaseUrl("host=db user=mt password=s3cret dbname=x"),
            "host=db user=mt password=*** dbname=x");
  EXPECT_EQ(RedactDatabaseUrl("host=db password = 'a b\\'c' dbname=x"),
            "host=db password = *** dbname=x");
}

TEST(BuildHistory, CountsFeedbackPerTrackAndArtist) {
  std::vector<Track> tracks(2);
  tracks[0].id = 1;
  tracks[0].artists = {"Artist A", "Artist B"};
  tracks[1].id = 2;
  tracks[1].artists = {"artist a"};
  const std::vector<std::int64_t> recent = {2, 7};
  const std::vector<FeedbackEvent> fb = {{1, FeedbackKind::kLike, 10},
                                         {1, FeedbackKind::kLike, 11},
                                         {2, FeedbackKind::kSkip, 12},
                                         {99, FeedbackKind::kSkip, 13}};
  ListenerHistory h = BuildHistory(recent, fb, tracks);
  EXPECT_EQ(h.recent_track_ids, (std::unordered_set<std::int64_t>{2, 7}));
  EXPECT_EQ(h.by_track[1].likes, 2);
  EXPECT_EQ(h.by_track[2].skips, 1);
  EXPECT_EQ(h.by_track[99].skips, 1);  // unknown to the catalogue: per track only
  EXPECT_EQ(h.by_artist["artist a"], 1);  // +2 likes, -1 skip, case-folded
  EXPECT_EQ(h.by_artist["artist b"], 2);
  EXPECT_EQ(h.by_artist.size(), 2u);
}

TEST(SqliteHistoryStore, RoundTripMatchesCatalogueHistory) {
  auto cat = MemoryCatalogue();
  auto tracks = cat->AllTracks();
  ASSERT_TRUE(tracks.ok());
  ASSERT_GE(tracks->size(), 30u);
  // Reference: the catalogue's own History() on a second catalogue with the same writes.
  auto ref = MemoryCatalogue();
  auto store = NewSqliteHistoryStore(std::move(cat));
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 25; ++i) ids.push_back((*tracks)[static_cast<size_t>(i)].id);
  ASSERT_TRUE(store->RecordPlays("ann", std::span(ids).first(10), 100).ok());
  ASSERT_TRUE(store->RecordPlays("ann", std::span(ids).subspan(10), 200).ok());
  for (size_t i = 0; i < 10; ++i) ASSERT_TRUE(ref->RecordPlay("ann", ids[i], 100).ok());
  for (size_t i = 10; i < ids.size(); ++i) ASSERT_TRUE(ref->RecordPlay("ann", ids[i], 200).ok());
  for (auto [id, kind, at] : {std::tuple{ids[0], FeedbackKind::kLike, 300},
                              std::tuple{ids[1], FeedbackKind::kSkip, 301},
                              std::tuple{ids[0], FeedbackKind::kLike, 302}}) {
    ASSERT_TRUE(store->RecordFeedback("ann", id, kind, at).ok());
    ASSERT_TRUE(ref->RecordFeedback("ann", id, kind, at).ok());
  }

  auto recent = store->RecentPlays("ann", 3);
  ASSERT_TRUE(recent.ok());
  ASSERT_EQ(recent->size(), 3u);
  EXPECT_EQ((*recent)[0], ids[24]);  // newest first (same second: later insert first)
  auto fb = store->Feedback("ann");
  ASSERT_TRUE(fb.ok());
  ASSERT_EQ(fb->size(), 3u);
  EXPECT_EQ((*fb)[1].kind, FeedbackKind::kSkip);
  EXPECT_EQ((*fb)[2].unix_s, 302);

  auto mine = LoadHistory(*store, "ann", CatalogueOptions{}.recent_plays, *tracks);
  auto theirs = ref->History("ann");
  ASSERT_TRUE(mine.ok());
  ASSERT_TRUE(theirs.ok());
  EXPECT_EQ(mine->recent_track_ids, theirs->recent_track_ids);
  EXPECT_EQ(mine->by_artist, theirs->by_artist);
  ASSERT_EQ(mine->by_track.size(), theirs->by_track.size());
  for (const auto& [id, c] : theirs->by_track) {
    EXPECT_EQ(mine->by_track[id].likes, c.likes);
    EXPECT_EQ(mine->by_track[id].skips, c.skips);
  }
}

TEST(SqliteHistoryStore, ErrorsAreStatuses) {
  auto store = NewSqliteHistoryStore(MemoryCatalogue());
  const std::vector<std::int64_t> ids = {1, 999999};
  EXPECT_TRUE(store->RecordPlays("", ids, 1).IsInvalidArgument());
  EXPECT_TRUE(store->RecordPlays("bob", ids, 1).IsNotFound());
  auto none = store->RecentPlays("bob", 20);  // the failed batch left nothing behind
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  EXPECT_TRUE(store->RecordFeedback("bob", 999999, FeedbackKind::kLike, 1).IsNotFound());
  EXPECT_TRUE(store->RecordPlays("bob", {}, 1).ok());
  auto fb = store->Feedback("nobody");
  ASSERT_TRUE(fb.ok());
  EXPECT_TRUE(fb->empty());
}

TEST(SqliteHistoryStore, ConcurrentWritersAreSerialised) {
  auto store = NewSqliteHistoryStore(MemoryCatalogue());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&store, t] {
      for (int i = 0; i < 25; ++i) {
        const std::int64_t id = 1 + (t * 25 + i) % 50;
        EXPECT_TRUE(store->RecordFeedback("crowd", id, FeedbackKind::kLike, i).ok());
        const std::int64_t one[] = {id};
        EXPECT_TRUE(store->RecordPlays("crowd", one, i).ok());
      }
    });
  for (auto& th : threads) th.join();
  auto fb = store->Feedback("crowd");
  ASSERT_TRUE(fb.ok());
  EXPECT_EQ(fb->size(), 100u);
  auto plays = store->RecentPlays("crowd", 1000);
  ASSERT_TRUE(plays.ok());
  EXPECT_EQ(plays->size(), 100u);
}

TEST(PostgresHistoryStore, NeedsAUrl) {
  EXPECT_TRUE(NewPostgresHistoryStore(HistoryStoreOptions{}).status().IsInvalidArgument());
  HistoryStoreOptions o;
  o.database_url = "postgresql://127.0.0.1:1/none";
  auto s = NewPostgresHistoryStore(o);
  if (PostgresSupported()) {
    ASSERT_TRUE(s.ok());  // lazy: no connection yet
    EXPECT_EQ((*s)->Describe(), "postgresql://127.0.0.1:1/none");
  } else {
    EXPECT_TRUE(s.status().IsUnsupported());
  }
}

}  // namespace
}  // namespace moodtune::music

namespace moodtune::music {
namespace {

// Issue 11: feedback with a client event id is stored once, however often it is retried.
TEST(SqliteHistoryStore, FeedbackWithAnEventIdIsStoredOnce) {
  auto cat = MemoryCatalogue();
  auto tracks = cat->AllTracks();
  ASSERT_TRUE(tracks.ok());
  const std::int64_t id = tracks->front().id;
  auto store = NewSqliteHistoryStore(std::move(cat));
  for (int i = 0; i < 3; ++i)  // the same event three times (a client's retries)
    ASSERT_TRUE(store->RecordFeedback("ann", id, FeedbackKind::kLike, 10 + i, "ev-1").ok());
  ASSERT_TRUE(store->RecordFeedback("ann", id, FeedbackKind::kSkip, 20, "ev-2").ok());
  ASSERT_TRUE(store->RecordFeedback("bob", id, FeedbackKind::kLike, 21, "ev-1").ok());  // own id space
  ASSERT_TRUE(store->RecordFeedback("ann", id, FeedbackKind::kLike, 22).ok());  // no id: always
  ASSERT_TRUE(store->RecordFeedback("ann", id, FeedbackKind::kLike, 23).ok());
  auto ann = store->Feedback("ann");
  ASSERT_TRUE(ann.ok());
  ASSERT_EQ(ann->size(), 4u);
  EXPECT_EQ((*ann)[0].unix_s, 10);  // the first write of ev-1 is the one kept
  EXPECT_EQ(store->Feedback("bob")->size(), 1u);
}

}  // namespace
}  // namespace moodtune::music
