// RecommendLive: fallbacks, the time budget, the TTL cache and secrets, against fake
// Spotify and Deezer servers on 127.0.0.1.
#include "moodtune/music/provider.h"

#include <gtest/gtest.h>

#include <atomic>
#include <nlohmann/json.hpp>

#include "fake_api.h"
#include "moodtune/music/deezer.h"
#include "moodtune/music/mood.h"
#include "moodtune/music/spotify.h"

namespace moodtune::music {
namespace {
using nlohmann::json;
using testing::FakeClock;
using testing::FakeServer;

constexpr char kSecret[] = "very-secret-client-secret";

std::vector<Track> SmallCatalogue() {
  std::vector<Track> out;
  for (int i = 0; i < 12; ++i) {
    Track t;
    t.id = i + 1;
    t.title = "Catalogue song " + std::to_string(i);
    t.artists = {"Catalogue artist " + std::to_string(i)};
    t.genre = i % 2 ? "pop" : "gospel";
    t.valence = 0.1f + 0.07f * static_cast<float>(i);
    t.energy = 0.2f + 0.05f * static_cast<float>(i);
    t.source = "default";
    out.push_back(t);
  }
  return out;
}

json DeezerTrack(int id, const std::string& title, const std::string& artist) {
  return {{"id", id},
          {"readable", true},
          {"title", title},
          {"link", "https://www.deezer.com/track/" + std::to_string(id)},
          {"duration", 200},
          {"preview", "https://cdnt-preview.dzcdn.net/api/1/1/" + std::to_string(id) + ".mp3"},
          {"artist", {{"id", id * 10}, {"name", artist}}},
          {"album", {{"id", id * 100}, {"title", title + " album"}}},
          {"type", "track"}};
}

json DeezerPage(int first, int count) {
  json data = json::array();
  for (int i = first; i < first + count; ++i)
    data.push_back(DeezerTrack(1000 + i, "Song " + std::to_string(i), "Artist " + std::to_string(i)));
  return {{"data", data}, {"total", count}};
}

class ProviderTest : public ::testing::Test {
 protected:
  void SetUp() override { http_ = MakeHttpClient(); }
  std::unique_ptr<DeezerProvider> Deezer() {
    DeezerOptions o;
    o.api_base = server_.base();
    return std::make_unique<DeezerProvider>(o, *http_, clock_, Log());
  }
  std::unique_ptr<SpotifyProvider> Spotify() {
    SpotifyOptions o;
    o.api_base = o.accounts_base = server_.base();
    return std::make_unique<SpotifyProvider>(o, SpotifyCredentials{"cid", kSecret}, *http_,
                                             clock_, Log());
  }
  LogFn Log() {
    return [this](std::string_view m) {
      std::lock_guard<std::mutex> lock(mu_);
      logs_.emplace_back(m);
    };
  }
  Result<LiveRecommendation> Run(Provider* p, ProviderCache* cache = nullptr,
                                 LiveOptions lo = {}) {
    RecommendOptions ro;
    ro.seed = 7;
    return RecommendLive(p, cache, clock_, catalogue_, OneHot(Emotion::kSad), {}, ro, lo, Log());
  }
  void InstallSpotifyToken() {
    server_.server().Post("/api/token", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(R"({"access_token":"app-token-abc","token_type":"Bearer","expires_in":3600})",
                      "application/json");
    });
  }

  FakeServer server_;
  FakeClock clock_;
  std::unique_ptr<HttpClient> http_;
  std::vector<Track> catalogue_ = SmallCatalogue();
  std::mutex mu_;
  std::vector<std::string> logs_;
};

TEST_F(ProviderTest, DefaultsAreDocumentedValues) {
  LiveOptions o;
  EXPECT_EQ(o.budget, Millis(1500));
  EXPECT_EQ(o.cache_ttl, std::chrono::seconds(600));
}

TEST_F(ProviderTest, NoProviderMeansCatalogue) {
  auto r = Run(nullptr);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->picks.size(), 5u);
  EXPECT_EQ(r->report.used, "catalogue");
  EXPECT_TRUE(r->report.fallback_reason.empty());
}

TEST_F(ProviderTest, ProviderTracksAreUsedWithPreviews) {
  std::atomic<int> calls{0};
  server_.server().Get("/search", [&](const httplib::Request&, httplib::Response& res) {
    ++calls;
    res.set_content(DeezerPage(0, 8).dump(), "application/json");
  });
  server_.Start();
  auto p = Deezer();
  auto r = Run(p.get());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->report.used, "deezer");
  EXPECT_EQ(r->report.provider_tracks, 8);
  EXPECT_TRUE(r->report.fallback_reason.empty()) << r->report.fallback_reason;
  ASSERT_EQ(r->picks.size(), 5u);
  for (const auto& pick : r->picks) {
    EXPECT_EQ(pick.track.source, "deezer");
    EXPECT_TRUE(pick.track.preview_url.starts_with("https://cdnt-preview.dzcdn.net/"));
    EXPECT_EQ(pick.track.deezer_url, "https://www.deezer.com/track/" + pick.track.deezer_id);
  }
}

TEST_F(ProviderTest, ShortProviderListIsToppedUpFromTheCatalogue) {
  server_.server().Get("/search", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content(DeezerPage(0, 2).dump(), "application/json");
  });
  server_.Start();
  auto p = Deezer();
  auto r = Run(p.get());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->report.used, "deezer+catalogue");
  ASSERT_EQ(r->picks.size(), 5u);
  int from_provider = 0;
  for (const auto& pick : r->picks) from_provider += pick.track.source == "deezer";
  EXPECT_EQ(from_provider, 2);
}

TEST_F(ProviderTest, ProviderTrackKnownToTheCatalogueTakesItsRow) {
  server_.server().Get("/search", [&](const httplib::Request&, httplib::Response& res) {
    json page = DeezerPage(0, 0);
    page["data"].push_back(DeezerTrack(77, "Catalogue song 3", "Catalogue artist 3"));
    res.set_content(page.dump(), "application/json");
  });
  server_.Start();
  auto p = Deezer();
  auto r = Run(p.get());
  ASSERT_TRUE(r.ok());
  ASSERT_FALSE(r->picks.empty());
  EXPECT_EQ(r->picks[0].track.id, 4);
  EXPECT_FLOAT_EQ(r->picks[0].track.valence, catalogue_[3].valence);
  EXPECT_EQ(r->picks[0].track.deezer_id, "77");
}

struct FailureCase {
  int status;
  std::string body;
  std::string retry_after;
  std::string reason_contains;
};

class ProviderFailureTest : public ProviderTest,
                            public ::testing::WithParamInterface<FailureCase> {};

TEST_P(ProviderFailureTest, FallsBackToTheCatalogueAndSaysWhy) {
  const FailureCase c = GetParam();
  InstallSpotifyToken();
  std::atomic<int> calls{0};
  server_.server().Get("/v1/search", [&](const httplib::Request&, httplib::Response& res) {
    ++calls;
    res.status = c.status;
    if (!c.retry_after.empty()) res.set_header("Retry-After", c.retry_after);
    res.set_content(c.body, "application/json");
  });
  server_.Start();
  auto p = Spotify();
  auto r = Run(p.get());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->report.requested, "spotify");
  EXPECT_EQ(r->report.used, "catalogue");
  EXPECT_NE(r->report.fallback_reason.find(c.reason_contains), std::string::npos)
      << r->report.fallback_reason;
  ASSERT_EQ(r->picks.size(), 5u);
  for (const auto& pick : r->picks) EXPECT_EQ(pick.track.source, "default");
  EXPECT_GE(calls, 1);
}

INSTANTIATE_TEST_SUITE_P(
    Statuses, ProviderFailureTest,
    ::testing::Values(
        FailureCase{403, R"({"error":{"status":403,"message":"Forbidden"}})", "", "403"},
        FailureCase{404, R"({"error":{"status":404,"message":"Not found."}})", "", "NotFound"},
        FailureCase{500, "oops", "", "500"},
        FailureCase{200, R"({"tracks": {"items": [ {"id": )", "", "malformed JSON"},
        FailureCase{200, R"([1, 2, 3])", "", "malformed JSON"},
        FailureCase{200, R"({"tracks": 5})", "", "lacks"},
        // Retry-After beyond the 2 s bound: no wait, a rate-limit fallback.
        FailureCase{429, "", "30", "rate limited"}));

TEST_F(ProviderTest, A429WithinTheBoundIsWaitedOutAndRetried) {
  InstallSpotifyToken();
  std::atomic<int> calls{0};
  server_.server().Get("/v1/search", [&](const httplib::Request&, httplib::Response& res) {
    if (++calls == 1) {
      res.status = 429;
      res.set_header("Retry-After", "1");
      return;
    }
    json item = {{"id", "s1"}, {"name", "Song"}, {"type", "track"},
                 {"artists", json::array({{{"name", "Singer"}}})}};
    res.set_content(json{{"tracks", {{"items", json::array({item})}}}}.dump(), "application/json");
  });
  server_.Start();
  auto p = Spotify();
  // The fake clock's sleep advances time, so the budget must cover the 1 s wait.
  LiveOptions lo;
  lo.budget = Millis(5000);
  auto r = Run(p.get(), nullptr, lo);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(calls, 2);
  ASSERT_EQ(clock_.sleeps().size(), 1u);
  EXPECT_EQ(clock_.sleeps()[0], Millis(1000));
  EXPECT_EQ(r->report.used, "spotify+catalogue");
}

TEST_F(ProviderTest, A429LongerThanTheBudgetLeftIsNotWaited) {
  server_.server().Get("/search", [&](const httplib::Request&, httplib::Response& res) {
    res.status = 429;
    res.set_header("Retry-After", "2");  // within the 2 s bound, beyond the 1.5 s budget
  });
  server_.Start();
  auto p = Deezer();
  auto r = Run(p.get());
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(clock_.sleeps().empty());
  EXPECT_EQ(r->report.used, "catalogue");
  EXPECT_NE(r->report.fallback_reason.find("429"), std::string::npos);
}

TEST_F(ProviderTest, SlowProviderIsAbandonedAtTheBudget) {
  server_.server().Get("/search", [&](const httplib::Request&, httplib::Response& res) {
    server_.SlowFor(std::chrono::seconds(5));
    res.set_content(DeezerPage(0, 5).dump(), "application/json");
  });
  server_.Start();
  auto p = Deezer();
  LiveOptions lo;
  lo.budget = Millis(300);
  const auto start = std::chrono::steady_clock::now();
  auto r = Run(p.get(), nullptr, lo);
  const auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->report.used, "catalogue");
  EXPECT_NE(r->report.fallback_reason.find("DeadlineExceeded"), std::string::npos)
      << r->report.fallback_reason;
  // Generous bound: far below the server's 5 s, so the budget (not the server) ended it.
  EXPECT_LT(waited, std::chrono::milliseconds(3000));
  EXPECT_EQ(r->picks.size(), 5u);
}

TEST_F(ProviderTest, BrokenConnectionFallsBack) {
  server_.server().Get("/search", [&](const httplib::Request&, httplib::Response& res) {
    // Promise 5000 bytes, send a few, then drop the connection.
    res.set_content_provider(5000, "application/json",
                             [](size_t, size_t, httplib::DataSink& sink) {
                               sink.write("{\"data\": [", 10);
                               return false;
                             });
  });
  server_.Start();
  auto p = Deezer();
  LiveOptions lo;
  lo.budget = Millis(1000);
  auto r = Run(p.get(), nullptr, lo);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->report.used, "catalogue");
  EXPECT_FALSE(r->report.fallback_reason.empty());
}

TEST_F(ProviderTest, UnreachableProviderFallsBack) {
  server_.Start();
  const std::string base = server_.base();
  server_.Stop();  // nothing listens there any more
  DeezerOptions o;
  o.api_base = base;
  DeezerProvider p(o, *http_, clock_, Log());
  auto r = Run(&p);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->report.used, "catalogue");
  EXPECT_FALSE(r->report.fallback_reason.empty());
}

TEST_F(ProviderTest, AnswersAreCachedForTheTtl) {
  std::atomic<int> calls{0};
  server_.server().Get("/search", [&](const httplib::Request&, httplib::Response& res) {
    ++calls;
    res.set_content(DeezerPage(0, 8).dump(), "application/json");
  });
  server_.Start();
  auto p = Deezer();
  ProviderCache cache;
  LiveOptions lo;
  lo.cache_ttl = std::chrono::seconds(100);
  auto a = Run(p.get(), &cache, lo);
  auto b = Run(p.get(), &cache, lo);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(calls, 1);
  EXPECT_FALSE(a->report.cached);
  EXPECT_TRUE(b->report.cached);
  EXPECT_EQ(b->report.used, "deezer");
  clock_.Advance(std::chrono::seconds(101));
  auto c = Run(p.get(), &cache, lo);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(calls, 2);
  EXPECT_FALSE(c->report.cached);
}

TEST_F(ProviderTest, FailuresAreNotCached) {
  std::atomic<int> calls{0};
  server_.server().Get("/search", [&](const httplib::Request&, httplib::Response& res) {
    ++calls;
    res.status = 503;
  });
  server_.Start();
  auto p = Deezer();
  ProviderCache cache;
  ASSERT_TRUE(Run(p.get(), &cache).ok());
  ASSERT_TRUE(Run(p.get(), &cache).ok());
  EXPECT_EQ(calls, 2);
}

TEST_F(ProviderTest, SecretsNeverReachLogsOrResults) {
  server_.server().Post("/api/token", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"access_token":"app-token-abc","token_type":"Bearer","expires_in":3600})",
                    "application/json");
  });
  std::atomic<int> calls{0};
  server_.server().Get("/v1/search", [&](const httplib::Request&, httplib::Response& res) {
    switch (++calls) {
      case 1: res.status = 401; return;  // renew
      case 2: res.status = 429; res.set_header("Retry-After", "0"); return;
      default: res.status = 403; return;
    }
  });
  server_.Start();
  auto p = Spotify();
  auto r = Run(p.get());
  ASSERT_TRUE(r.ok());
  EXPECT_GE(calls, 3);
  EXPECT_FALSE(logs_.empty()) << "the scenario logs renewals and retries";
  std::string all = r->report.fallback_reason + r->report.used;
  for (const auto& l : logs_) all += l + "\n";
  for (const auto& pick : r->picks) all += pick.reason.text + pick.track.source;
  for (const std::string& secret :
       {std::string(kSecret), std::string("app-token-abc"), Base64(std::string("cid:") + kSecret)})
    EXPECT_EQ(all.find(secret), std::string::npos) << secret << " leaked into: " << all;
}

}  // namespace
}  // namespace moodtune::music
