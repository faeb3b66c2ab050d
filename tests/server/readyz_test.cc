// /readyz is 503 until the models are loaded (and image routes answer 503 not_ready), while
// /healthz says the process lives; a failed load is reported.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <nlohmann/json.hpp>

#include "test_support.h"

namespace moodtune::server {
namespace {
using namespace moodtune::server::testing;
using nlohmann::json;

TEST(StartLoadingNowTest, LoadsBeforeItIsAskedAndGivesOneResultToEveryCaller) {
  std::promise<void> started;
  std::future<void> ran = started.get_future();
  std::atomic<int> calls{0};
  AnalyzerLoader loader = StartLoadingNow([&]() -> Result<std::shared_ptr<const Analyzer>> {
    ++calls;
    started.set_value();
    return Status::Unavailable("no models here");
  });
  ASSERT_EQ(ran.wait_for(std::chrono::seconds(30)), std::future_status::ready)
      << "the load must start without being asked";
  for (int i = 0; i < 2; ++i) {
    auto a = loader();
    ASSERT_FALSE(a.ok());
    EXPECT_EQ(a.status().code(), StatusCode::kUnavailable);
  }
  EXPECT_EQ(calls.load(), 1);
}

TEST(ReadyzTest, NotReadyUntilModelsLoad) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  AnalyzerLoader loader = [released]() -> Result<std::shared_ptr<const Analyzer>> {
    released.wait();
    return SharedAnalyzer();
  };
  TestServer server(TestOptions(), loader, /*wait_ready=*/false);
  ASSERT_TRUE(server.ok());
  auto cli = server.Client();
  auto r = cli.Get("/readyz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(json::parse(r->body)["error"]["code"], "not_ready");
  r = cli.Get("/healthz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  r = cli.Post("/recommend", Upload("files", BlankPng(), "image/png"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  r = cli.Post("/v1/device/mood", BlankPng(), "image/jpeg");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->body.rfind("v=1\nstatus=error\n", 0), 0u) << r->body;

  release.set_value();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!server.server().ready() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  r = cli.Get("/readyz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST(ReadyzTest, FailedLoadIsReported) {
  AnalyzerLoader loader = []() -> Result<std::shared_ptr<const Analyzer>> {
    return Status::NotFound("models/emotion/emotion.onnx: run scripts/train_model.sh");
  };
  TestServer server(TestOptions(), loader, /*wait_ready=*/false);
  ASSERT_TRUE(server.ok());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (server.server().load_status().ok() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto r = server.Client().Get("/readyz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  auto j = json::parse(r->body);
  EXPECT_EQ(j["error"]["code"], "models_failed");
  EXPECT_NE(j["error"]["message"].get<std::string>().find("emotion.onnx"), std::string::npos);
}

// Issue 11: a second `serve` on a port in use started (SO_REUSEPORT), shared the port, and
// half the requests got 503. It must refuse to start, saying why.
TEST(StartupTest, Issue11SecondServerOnABusyPortRefusesToStart) {
  TestServer first;
  ASSERT_TRUE(first.ok());
  ServerOptions o = TestOptions();
  o.port = first.port();
  auto second =
      CreateServer(o, [] { return Result<std::shared_ptr<const Analyzer>>(SharedAnalyzer()); });
  ASSERT_FALSE(second.ok()) << "a second server bound port " << o.port;
  EXPECT_NE(second.status().message().find("in use"), std::string::npos)
      << second.status().ToString();
  auto r = first.Client().Get("/healthz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

// Issue 11: an unusable data directory stopped the server with "sqlite: unable to open
// database file". It starts, recommends from the embedded catalogue, and /readyz says why.
TEST(StartupTest, Issue11UnusableDataDirectoryDegradesInsteadOfFailing) {
  ServerOptions o = TestOptions();
  o.db = "/proc/moodtune-no-such-dir/moodtune.db";  // cannot be created, even by root
  TestServer server(o);
  ASSERT_TRUE(server.ok());
  auto cli = server.Client();
  auto r = cli.Get("/readyz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  const json j = json::parse(r->body);
  ASSERT_TRUE(j.contains("degraded")) << r->body;
  const std::string why = j["degraded"][0];
  EXPECT_NE(why.find("/proc/moodtune-no-such-dir"), std::string::npos) << why;
  EXPECT_NE(why.find("embedded catalogue"), std::string::npos) << why;
  r = cli.Get("/v1/recommendations?emotion=sad&n=3");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(json::parse(r->body)["recommendations"].size(), 3u);
  EXPECT_NE(server.log_text().find("\"event\":\"degraded\""), std::string::npos);
}

}  // namespace
}  // namespace moodtune::server
