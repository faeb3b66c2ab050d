// Several clients at once get their own results: the reference saved every upload into one
// folder and answered with whichever detection came last. Here each thread posts a different
// photo repeatedly and must always get the faces of its own photo.
#include <gtest/gtest.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <set>

#include "common/skip.h"
#include "test_support.h"

namespace moodtune::server {
namespace {
using namespace moodtune::server::testing;
using nlohmann::json;

// What identifies one photo's answer: face count, first box, first emotion.
std::string Fingerprint(const json& j) {
  if (!j.contains("faces")) return "error: " + j.dump();
  std::string out = std::to_string(j["faces"].size());
  if (!j["faces"].empty()) {
    const auto& f = j["faces"][0];
    char buf[128];
    std::snprintf(buf, sizeof(buf), " %.0f,%.0f,%.0f,%.0f %s", f["box"][0].get<double>(),
                  f["box"][1].get<double>(), f["box"][2].get<double>(), f["box"][3].get<double>(),
                  f["emotion"].get<std::string>().c_str());
    out += buf;
  }
  return out;
}

TEST(ConcurrencyTest, EachClientGetsItsOwnResult) {
  const auto photos = FacePhotos();
  if (photos.size() < 3) MOODTUNE_SKIP_OR_FAIL("install libdlib-dev for the face photos");
  TestServer server;
  ASSERT_TRUE(server.ok());

  // Expected answers, one request at a time.
  std::vector<std::string> bytes, expected;
  for (const auto& p : photos) {
    bytes.push_back(ReadFile(p));
    auto r = server.Client().Post("/recommend", Upload("files", bytes.back()));
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << p << ": " << r->body;
    expected.push_back(Fingerprint(json::parse(r->body)));
  }
  ASSERT_GE(std::set<std::string>(expected.begin(), expected.end()).size(), 2u)
      << "the photos must differ for this test to mean anything";

  constexpr int kThreads = 6, kRounds = 4;
  std::vector<std::vector<std::string>> got(kThreads);
  std::vector<std::vector<std::string>> images(kThreads);
  std::atomic<int> start{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::size_t k = static_cast<std::size_t>(t) % bytes.size();
      auto cli = server.Client();
      start.fetch_add(1);
      while (start.load() < kThreads) std::this_thread::yield();  // start together
      for (int i = 0; i < kRounds; ++i) {
        auto r = cli.Post("/recommend", Upload("files", bytes[k]));
        if (!r) {
          got[t].push_back("no answer");
          continue;
        }
        auto j = json::parse(r->body, nullptr, false);
        got[t].push_back(Fingerprint(j));
        if (j.contains("bounding_box_image")) images[t].push_back(j["bounding_box_image"]);
      }
    });
  }
  for (auto& th : threads) th.join();
  std::set<std::string> all_images;
  for (int t = 0; t < kThreads; ++t) {
    const std::size_t k = static_cast<std::size_t>(t) % bytes.size();
    ASSERT_EQ(got[t].size(), static_cast<std::size_t>(kRounds));
    for (const auto& g : got[t]) EXPECT_EQ(g, expected[k]) << "thread " << t << " " << photos[k];
    all_images.insert(images[t].begin(), images[t].end());
  }
  EXPECT_EQ(all_images.size(), static_cast<std::size_t>(kThreads * kRounds))
      << "every answer has its own annotated image";
}

}  // namespace
}  // namespace moodtune::server
