// The PostgreSQL HistoryStore against a real server (ctest fixture `pg`): round trips,
// concurrent writers from several stores, idempotent migration, and a dead or vanished
// database answering Unavailable instead of crashing.
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "moodtune/music/catalogue.h"
#include "moodtune/music/history_store.h"
#include "pg_support.h"

namespace moodtune::music {
namespace {

using moodtune::testing::QueryScalar;
using moodtune::testing::ScratchDatabase;
using moodtune::testing::AdminExec;

std::unique_ptr<HistoryStore> Store(const std::string& url) {
  HistoryStoreOptions o;
  o.database_url = url;
  auto s = NewPostgresHistoryStore(o);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(s).value() : nullptr;
}

// A URL nobody listens on (port 1 on loopback: connection refused at once).
std::string DeadUrl() { return "postgresql://moodtune:pw@127.0.0.1:1/moodtune"; }

TEST(PgHistoryStore, RoundTrip) {
  ScratchDatabase db;
  auto store = Store(db.url());
  ASSERT_TRUE(store);
  const std::vector<std::int64_t> first = {11, 12, 13}, second = {14, 15};
  ASSERT_TRUE(store->RecordPlays("ann", first, 100).ok());
  ASSERT_TRUE(store->RecordPlays("ann", second, 200).ok());
  ASSERT_TRUE(store->RecordPlays("bob", first, 300).ok());
  auto recent = store->RecentPlays("ann", 4);
  ASSERT_TRUE(recent.ok()) << recent.status().ToString();
  EXPECT_EQ(*recent, (std::vector<std::int64_t>{15, 14, 13, 12}));  // newest first
  auto none = store->RecentPlays("nobody", 20);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());

  ASSERT_TRUE(store->RecordFeedback("ann", 12, FeedbackKind::kLike, 400).ok());
  ASSERT_TRUE(store->RecordFeedback("ann", 13, FeedbackKind::kSkip, 401).ok());
  auto fb = store->Feedback("ann");
  ASSERT_TRUE(fb.ok()) << fb.status().ToString();
  ASSERT_EQ(fb->size(), 2u);
  EXPECT_EQ((*fb)[0].track_id, 12);
  EXPECT_EQ((*fb)[0].kind, FeedbackKind::kLike);
  EXPECT_EQ((*fb)[0].unix_s, 400);
  EXPECT_EQ((*fb)[1].kind, FeedbackKind::kSkip);
  EXPECT_TRUE(store->Feedback("bob")->empty());

  EXPECT_TRUE(store->RecordPlays("", first, 1).IsInvalidArgument());
  EXPECT_TRUE(store->RecordFeedback("", 1, FeedbackKind::kLike, 1).IsInvalidArgument());
  // Issue 11: a retried event (same listener and event id) is stored once.
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(store->RecordFeedback("cy", 12, FeedbackKind::kLike, 500 + i, "ev-1").ok());
  ASSERT_TRUE(store->RecordFeedback("cy", 12, FeedbackKind::kSkip, 510, "ev-2").ok());
  ASSERT_TRUE(store->RecordFeedback("dee", 12, FeedbackKind::kLike, 511, "ev-1").ok());
  EXPECT_EQ(store->Feedback("cy")->size(), 2u);
  EXPECT_EQ(store->Feedback("dee")->size(), 1u);
  EXPECT_EQ(QueryScalar(db.url(), "SELECT count(*) FROM listeners"), "4");
  // Listener ids are data, never SQL.
  const std::string nasty = "x'); DROP TABLE plays; --";
  ASSERT_TRUE(store->RecordPlays(nasty, first, 500).ok());
  EXPECT_EQ(store->RecentPlays(nasty, 10)->size(), 3u);
}

TEST(PgHistoryStore, HistoryMatchesTheSqliteStore) {
  ScratchDatabase db;
  auto pg = Store(db.url());
  ASSERT_TRUE(pg);
  auto cat = Catalogue::Open(CatalogueOptions{});
  ASSERT_TRUE(cat.ok());
  auto tracks = (*cat)->AllTracks();
  ASSERT_TRUE(tracks.ok());
  auto sqlite = NewSqliteHistoryStore(std::move(cat).value());
  std::vector<std::int64_t> ids;
  for (size_t i = 0; i < 30; ++i) ids.push_back((*tracks)[i * 7 % tracks->size()].id);
  for (HistoryStore* s : {pg.get(), sqlite.get()}) {
    ASSERT_TRUE(s->RecordPlays("eve", ids, 1000).ok());
    for (size_t i = 0; i < 12; ++i)
      ASSERT_TRUE(s->RecordFeedback("eve", ids[i], i % 3 ? FeedbackKind::kLike
                                                         : FeedbackKind::kSkip,
                                    2000 + static_cast<std::int64_t>(i))
                      .ok());
  }
  auto a = LoadHistory(*pg, "eve", CatalogueOptions{}.recent_plays, *tracks);
  auto b = LoadHistory(*sqlite, "eve", CatalogueOptions{}.recent_plays, *tracks);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(a->recent_track_ids, b->recent_track_ids);
  EXPECT_EQ(a->recent_track_ids.size(), 20u);
  EXPECT_EQ(a->by_artist, b->by_artist);
  EXPECT_FALSE(a->by_artist.empty());
  ASSERT_EQ(a->by_track.size(), b->by_track.size());
  for (const auto& [id, c] : b->by_track) {
    EXPECT_EQ(a->by_track[id].likes, c.likes) << id;
    EXPECT_EQ(a->by_track[id].skips, c.skips) << id;
  }
}

// Several stores (as several server processes would) and many threads each, on a fresh
// database: the first calls race to migrate, then every write must land exactly once.
TEST(PgHistoryStore, ConcurrentWritersFromSeveralStores) {
  ScratchDatabase db;
  std::vector<std::unique_ptr<HistoryStore>> stores;
  for (int i = 0; i < 3; ++i) stores.push_back(Store(db.url()));
  constexpr int kThreadsPerStore = 4, kWrites = 20;
  std::vector<std::thread> threads;
  for (auto& store : stores)
    for (int t = 0; t < kThreadsPerStore; ++t)
      threads.emplace_back([s = store.get(), t] {
        const std::string own = "writer" + std::to_string(t);
        for (int i = 0; i < kWrites; ++i) {
          const std::int64_t ids[] = {i, i + 1000};
          EXPECT_TRUE(s->RecordPlays("shared", ids, i).ok());
          EXPECT_TRUE(s->RecordFeedback(own, i, FeedbackKind::kLike, i).ok());
        }
      });
  for (auto& th : threads) th.join();
  const int writers = static_cast<int>(stores.size()) * kThreadsPerStore;
  auto plays = stores[0]->RecentPlays("shared", 100000);
  ASSERT_TRUE(plays.ok()) << plays.status().ToString();
  EXPECT_EQ(plays->size(), static_cast<size_t>(writers * kWrites * 2));
  auto fb = stores[1]->Feedback("writer0");
  ASSERT_TRUE(fb.ok());
  EXPECT_EQ(fb->size(), stores.size() * kWrites);
  EXPECT_EQ(QueryScalar(db.url(), "SELECT count(*) FROM feedback"),
            std::to_string(writers * kWrites));
  EXPECT_EQ(QueryScalar(db.url(), "SELECT count(*) FROM moodtune_schema"), "1");
}

TEST(PgHistoryStore, MigrationIsIdempotent) {
  ScratchDatabase db;
  {
    auto s = Store(db.url());
    ASSERT_TRUE(s->RecordPlays("ann", std::vector<std::int64_t>{1, 2}, 1).ok());
  }
  for (int i = 0; i < 3; ++i) {  // re-opening migrates nothing and loses nothing
    auto s = Store(db.url());
    auto recent = s->RecentPlays("ann", 10);
    ASSERT_TRUE(recent.ok()) << recent.status().ToString();
    EXPECT_EQ(recent->size(), 2u);
  }
  EXPECT_EQ(QueryScalar(db.url(), "SELECT version FROM moodtune_schema"),
            std::to_string(LatestPostgresSchemaVersion()));
  EXPECT_EQ(QueryScalar(db.url(), "SELECT count(*) FROM moodtune_schema"), "1");
  EXPECT_EQ(QueryScalar(db.url(),
                        "SELECT count(*) FROM pg_indexes WHERE tablename IN ('plays','feedback')"
                        " AND indexname LIKE '%listener%'"),
            "2");
}

TEST(PgHistoryStore, NewerSchemaIsUnsupported) {
  ScratchDatabase db;
  ASSERT_TRUE(Store(db.url())->RecentPlays("x", 1).ok());
  AdminExec(db.url(), "UPDATE moodtune_schema SET version = version + 1");
  auto s = Store(db.url());
  EXPECT_TRUE(s->RecentPlays("x", 1).status().IsUnsupported());
}

TEST(PgHistoryStore, DeadServerIsUnavailable) {
  auto s = Store(DeadUrl());
  ASSERT_TRUE(s);
  const std::vector<std::int64_t> ids = {1};
  Status plays = s->RecordPlays("ann", ids, 1);
  EXPECT_TRUE(plays.IsUnavailable()) << plays.ToString();
  EXPECT_EQ(plays.message().find("pw"), std::string::npos) << plays.message();
  EXPECT_TRUE(s->RecentPlays("ann", 5).status().IsUnavailable());
  EXPECT_TRUE(s->RecordFeedback("ann", 1, FeedbackKind::kLike, 1).IsUnavailable());
  EXPECT_TRUE(s->Feedback("ann").status().IsUnavailable());
  EXPECT_TRUE(LoadHistory(*s, "ann", 20, {}).status().IsUnavailable());
  EXPECT_EQ(s->Describe(), "postgresql://moodtune:***@127.0.0.1:1/moodtune");
}

TEST(PgHistoryStore, WrongPasswordIsUnavailableAndNotEchoed) {
  const std::string url = moodtune::testing::TestDatabaseUrl();
  ASSERT_FALSE(url.empty());
  const auto at = url.find('@');
  const std::string bad = "postgresql://moodtune:WrongSecret123" + url.substr(at);
  Status s = Store(bad)->RecentPlays("ann", 1).status();
  EXPECT_TRUE(s.IsUnavailable()) << s.ToString();
  EXPECT_EQ(s.message().find("WrongSecret123"), std::string::npos) << s.message();
}

TEST(PgHistoryStore, VanishedDatabaseIsUnavailableThenRecovers) {
  ScratchDatabase db;
  auto s = Store(db.url());
  const std::vector<std::int64_t> ids = {7};
  ASSERT_TRUE(s->RecordPlays("ann", ids, 1).ok());  // a pooled connection now exists
  db.Drop();  // terminates that connection; reconnecting fails too
  Status gone = s->RecordPlays("ann", ids, 2);
  EXPECT_TRUE(gone.IsUnavailable()) << gone.ToString();
  EXPECT_TRUE(s->Feedback("ann").status().IsUnavailable());
  // The database comes back empty (restored elsewhere, re-provisioned): the store
  // reconnects and creates its schema again.
  AdminExec(moodtune::testing::TestDatabaseUrl(), "CREATE DATABASE " + db.name());
  Status back = s->RecordPlays("ann", ids, 3);
  EXPECT_TRUE(back.ok()) << back.ToString();
  EXPECT_EQ(s->RecentPlays("ann", 10)->size(), 1u);
}

TEST(PgHistoryStore, KilledConnectionsAreReplaced) {
  ScratchDatabase db;
  auto s = Store(db.url());
  const std::vector<std::int64_t> ids = {7};
  ASSERT_TRUE(s->RecordPlays("ann", ids, 1).ok());
  // What a database restart does to idle pooled connections.
  AdminExec(moodtune::testing::TestDatabaseUrl(),
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" +
                db.name() + "' AND application_name = 'moodtune'");
  Status again = s->RecordPlays("ann", ids, 2);
  EXPECT_TRUE(again.ok()) << again.ToString();
  EXPECT_EQ(s->RecentPlays("ann", 10)->size(), 2u);
}

}  // namespace
}  // namespace moodtune::music
