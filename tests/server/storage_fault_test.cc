// Storage faults against a real server (issue 7): with the history database locked by another
// writer, recommendations still answer (without recording, plus a warning), feedback is
// refused with 503 instead of claimed, and nothing stored before is lost.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "test_support.h"

namespace moodtune::server::testing {
namespace {

using json = nlohmann::json;

// Another process's writer, as the sqlite3 shell would hold it: BEGIN EXCLUSIVE on its own
// connection until Release.
class WriterLock {
 public:
  explicit WriterLock(const std::string& path) {
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) return;
    locked_ = sqlite3_exec(db_, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr) == SQLITE_OK;
  }
  ~WriterLock() { Release(); }
  bool locked() const { return locked_; }
  void Release() {
    if (locked_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    locked_ = false;
    if (db_) sqlite3_close(db_);
    db_ = nullptr;
  }

 private:
  sqlite3* db_ = nullptr;
  bool locked_ = false;
};

std::int64_t Count(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  std::int64_t n = -1;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
      n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
  }
  sqlite3_close(db);
  return n;
}

TEST(StorageFaultTest, LockedHistoryDatabaseDegradesButLosesNothing) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("moodtune-storage-fault-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string db = (dir / "m.db").string();
  ServerOptions o = TestOptions();
  o.db = db;
  TestServer server(o);
  ASSERT_TRUE(server.ok());
  auto cli = server.Client();
  const char* path = "/v1/recommendations?emotion=happy&n=3&listener=alice";

  auto ok = cli.Get(path);
  ASSERT_TRUE(ok);
  ASSERT_EQ(ok->status, 200) << ok->body;
  EXPECT_FALSE(json::parse(ok->body).contains("warnings"));
  auto fb = cli.Post("/v1/feedback", R"({"listener":"alice","track_id":1,"action":"like"})",
                     "application/json");
  ASSERT_TRUE(fb);
  ASSERT_EQ(fb->status, 200) << fb->body;
  const std::int64_t plays_before = Count(db, "SELECT COUNT(*) FROM plays");
  const std::int64_t feedback_before = Count(db, "SELECT COUNT(*) FROM feedback");
  EXPECT_EQ(plays_before, 3);
  EXPECT_EQ(feedback_before, 1);

  {
    WriterLock lock(db);
    ASSERT_TRUE(lock.locked());
    // The server waits its busy timeout (5 s), then answers without recording.
    auto degraded = cli.Get(path);
    ASSERT_TRUE(degraded);
    ASSERT_EQ(degraded->status, 200) << degraded->body;
    json j = json::parse(degraded->body);
    EXPECT_EQ(j["recommendations"].size(), 3u);
    ASSERT_TRUE(j["warnings"].is_array()) << degraded->body;
    EXPECT_EQ(j["warnings"][0]["code"], "history_not_recorded");

    auto refused = cli.Post("/v1/feedback", R"({"listener":"alice","track_id":2,"action":"skip"})",
                            "application/json");
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->status, 503) << refused->body;
    EXPECT_EQ(json::parse(refused->body)["error"]["code"], "storage_unavailable");
    EXPECT_EQ(refused->get_header_value("Retry-After"), "1");
    // Issue 11: storage errors are logged with their cause.
    const std::string log = server.log_text();
    EXPECT_NE(log.find("\"event\":\"storage_error\",\"op\":\"feedback\""), std::string::npos)
        << log;
    EXPECT_NE(log.find("\"op\":\"history_not_recorded\""), std::string::npos) << log;
    EXPECT_NE(log.find("locked"), std::string::npos) << log;
  }
  // Lock gone: writes work again and every earlier row is still there.
  auto again = cli.Post("/v1/feedback", R"({"listener":"alice","track_id":2,"action":"skip"})",
                        "application/json");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 200) << again->body;
  server.Stop();
  EXPECT_EQ(Count(db, "SELECT COUNT(*) FROM plays"), plays_before);
  EXPECT_EQ(Count(db, "SELECT COUNT(*) FROM feedback"), feedback_before + 1);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace moodtune::server::testing
