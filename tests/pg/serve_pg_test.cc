// Two `moodtune serve` processes sharing one PostgreSQL database (MOODTUNE_DATABASE_URL):
// plays and feedback posted to one change what the other recommends. And a server whose
// database is dead still answers, without history, and says so. Models are not needed:
// GET /v1/recommendations takes an emotion name.
#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "pg_support.h"

namespace moodtune {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::QueryScalar;
using testing::ScratchDatabase;

std::string Slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// `moodtune serve --port 0` in its own scratch folder (so the relative model paths do not
// resolve and nothing heavy loads), with MOODTUNE_DATABASE_URL set; stopped with SIGTERM.
class ServeProcess {
 public:
  ServeProcess(const fs::path& dir, const std::string& database_url) : dir_(dir) {
    fs::create_directories(dir_);
    log_ = dir_ / "stderr.log";
    pid_ = ::fork();
    if (pid_ == 0) {
      if (::chdir(dir_.c_str()) != 0) _exit(126);
      FILE* err = std::freopen(log_.c_str(), "w", stderr);
      if (!err) _exit(126);
      ::setenv("MOODTUNE_DATABASE_URL", database_url.c_str(), 1);
      ::unsetenv("MOODTUNE_DB");
      const std::string db = (dir_ / "catalogue.db").string();
      ::execl(MOODTUNE_BIN, MOODTUNE_BIN, "serve", "--host", "127.0.0.1", "--port", "0", "--db",
              db.c_str(), "--threads", "4", static_cast<char*>(nullptr));
      _exit(127);
    }
    // Wait for "serving on http://127.0.0.1:PORT/" (catalogue seeding and the database probe
    // come first). The bound is generous: it only stops a hung test.
    const std::regex serving(R"(serving on http://127\.0\.0\.1:(\d+)/)");
    for (int i = 0; i < 1200 && port_ == 0; ++i) {
      std::smatch m;
      const std::string text = Slurp(log_);
      if (std::regex_search(text, m, serving)) port_ = std::stoi(m[1]);
      int status = 0;
      if (port_ == 0 && ::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  ~ServeProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
  }
  int port() const { return port_; }
  std::string log() const { return Slurp(log_); }

  json Get(const std::string& path) const {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(30, 0);
    auto r = c.Get(path);
    if (!r) return json{{"http", 0}};
    json j = json::parse(r->body, nullptr, false);
    j["http"] = r->status;
    return j;
  }
  json PostJson(const std::string& path, const json& body) const {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(30, 0);
    auto r = c.Post(path, body.dump(), "application/json");
    if (!r) return json{{"http", 0}};
    json j = json::parse(r->body, nullptr, false);
    j["http"] = r->status;
    return j;
  }

 private:
  fs::path dir_, log_;
  pid_t pid_ = -1;
  int port_ = 0;
};

class TempFolder {
 public:
  TempFolder() {
    path_ = fs::temp_directory_path() /
            ("moodtune-serve-pg-" + std::to_string(::getpid()) + "-" + std::to_string(next_++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempFolder() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  static inline int next_ = 0;
  fs::path path_;
};

std::vector<std::int64_t> Ids(const json& answer) {
  std::vector<std::int64_t> ids;
  if (answer.contains("recommendations"))
    for (const auto& t : answer["recommendations"]) ids.push_back(t["id"].get<std::int64_t>());
  return ids;
}

std::string PasswordOf(const std::string& url) {
  const auto scheme = url.find("://") + 3;
  const auto colon = url.find(':', scheme), at = url.find('@', scheme);
  return colon < at ? url.substr(colon + 1, at - colon - 1) : "";
}

TEST(ServePg, TwoServersShareHistoryAndFeedback) {
  ScratchDatabase db;
  TempFolder tmp;
  ServeProcess a(tmp.path() / "a", db.url());
  ServeProcess b(tmp.path() / "b", db.url());
  ASSERT_GT(a.port(), 0) << a.log();
  ASSERT_GT(b.port(), 0) << b.log();

  // Plays recorded by A are recent plays for B: B's list avoids all of A's.
  const std::string listener = "shared-" + std::to_string(::getpid());
  json ra = a.Get("/v1/recommendations?emotion=happy&n=5&listener=" + listener);
  ASSERT_EQ(ra["http"], 200) << ra.dump();
  EXPECT_FALSE(ra.contains("warnings")) << ra.dump();
  json rb = b.Get("/v1/recommendations?emotion=happy&n=5&listener=" + listener);
  ASSERT_EQ(rb["http"], 200) << rb.dump();
  const auto ids_a = Ids(ra), ids_b = Ids(rb);
  ASSERT_EQ(ids_a.size(), 5u);
  ASSERT_EQ(ids_b.size(), 5u);
  for (std::int64_t id : ids_b)
    EXPECT_EQ(std::count(ids_a.begin(), ids_a.end(), id), 0) << "B repeated A's track " << id;
  EXPECT_EQ(QueryScalar(db.url(), "SELECT count(*) FROM plays WHERE listener_id = '" +
                                      listener + "'"),
            "10");

  // A like posted to A shows in B's next answer: B's anonymous top pick for "sad", liked
  // through A, comes first for that listener on B with the "liked" reason.
  json top = b.Get("/v1/recommendations?emotion=sad&n=1");
  ASSERT_EQ(top["http"], 200) << top.dump();
  ASSERT_EQ(Ids(top).size(), 1u);
  const std::int64_t liked = Ids(top)[0];
  const std::string fan = "fan-" + std::to_string(::getpid());
  json fb = a.PostJson("/v1/feedback", {{"listener", fan}, {"action", "like"}, {"track_id", liked}});
  ASSERT_EQ(fb["http"], 200) << fb.dump();
  json mine = b.Get("/v1/recommendations?emotion=sad&n=3&listener=" + fan);
  ASSERT_EQ(mine["http"], 200) << mine.dump();
  ASSERT_FALSE(Ids(mine).empty());
  EXPECT_EQ(Ids(mine)[0], liked) << mine.dump();
  EXPECT_NE(mine["recommendations"][0]["reason"].get<std::string>().find("liked"),
            std::string::npos)
      << mine.dump();
  // And an unknown track id is refused by the process's own catalogue.
  json bad = b.PostJson("/v1/feedback", {{"listener", fan}, {"action", "skip"}, {"track_id", 987654321}});
  EXPECT_EQ(bad["http"], 404) << bad.dump();

  // The URL's password never reaches the logs; the redacted form does.
  const std::string password = PasswordOf(db.url());
  ASSERT_FALSE(password.empty());
  for (const ServeProcess* p : {&a, &b}) {
    const std::string log = p->log();
    EXPECT_EQ(log.find(password), std::string::npos);
    EXPECT_NE(log.find("history_store"), std::string::npos) << log;
    EXPECT_NE(log.find(":***@"), std::string::npos) << log;
  }
}

TEST(ServePg, DeadDatabaseAnswersWithoutHistoryAndSaysSo) {
  TempFolder tmp;
  const std::string dead = "postgresql://moodtune:DeadSecret42@127.0.0.1:1/moodtune";
  ServeProcess c(tmp.path() / "c", dead);
  ASSERT_GT(c.port(), 0) << c.log();
  json r = c.Get("/v1/recommendations?emotion=happy&n=3&listener=someone");
  ASSERT_EQ(r["http"], 200) << r.dump();
  EXPECT_EQ(Ids(r).size(), 3u);
  ASSERT_TRUE(r.contains("warnings")) << r.dump();
  std::set<std::string> codes;
  for (const auto& w : r["warnings"]) codes.insert(w["code"].get<std::string>());
  EXPECT_TRUE(codes.count("history_unavailable")) << r.dump();
  EXPECT_TRUE(codes.count("history_not_recorded")) << r.dump();
  json fb = c.PostJson("/v1/feedback", {{"listener", "someone"}, {"action", "like"},
                                        {"track_id", Ids(r)[0]}});
  EXPECT_EQ(fb["http"], 503) << fb.dump();
  EXPECT_EQ(c.Get("/healthz")["http"], 200);
  EXPECT_EQ(c.log().find("DeadSecret42"), std::string::npos) << c.log();
  EXPECT_EQ(r.dump().find("DeadSecret42"), std::string::npos);
}

}  // namespace
}  // namespace moodtune
