// DeezerProvider against a fake public API on 127.0.0.1 (real JSON shapes, in-body errors).
#include "moodtune/music/deezer.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "fake_api.h"

namespace moodtune::music {
namespace {
using nlohmann::json;
using testing::FakeClock;
using testing::FakeServer;

json Track(int id, const std::string& title, const std::string& artist) {
  return {{"id", id},
          {"readable", true},
          {"title", title},
          {"title_short", title},
          {"link", "https://www.deezer.com/track/" + std::to_string(id)},
          {"duration", 215},
          {"preview", "https://cdnt-preview.dzcdn.net/api/1/1/x/" + std::to_string(id) + ".mp3"},
          {"artist", {{"id", 27}, {"name", artist}, {"type", "artist"}}},
          {"album", {{"id", 302127}, {"title", "Discovery"}, {"type", "album"}}},
          {"type", "track"}};
}

class DeezerTest : public ::testing::Test {
 protected:
  void SetUp() override { http_ = MakeHttpClient(); }
  DeezerProvider Make() {
    DeezerOptions o;
    o.api_base = server_.base();
    o.playlists = playlists_;
    return DeezerProvider(o, *http_, clock_);
  }
  Clock::TimePoint Later() { return clock_.Now() + std::chrono::seconds(10); }
  FakeServer server_;
  FakeClock clock_;
  std::unique_ptr<HttpClient> http_;
  std::map<Emotion, std::string> playlists_;
};

TEST_F(DeezerTest, DefaultsAreDocumentedValues) {
  DeezerOptions o;
  EXPECT_EQ(o.api_base, "https://api.deezer.com");
  EXPECT_EQ(o.search_limit, 10);
  EXPECT_EQ(o.max_retry_after, Millis(2000));
}

TEST_F(DeezerTest, SearchReturnsTracksWithPreviewsAndRealLinks) {
  std::string q, limit;
  server_.server().Get("/search", [&](const httplib::Request& req, httplib::Response& res) {
    q = req.get_param_value("q");
    limit = req.get_param_value("limit");
    json data = json::array({Track(3135556, "Harder, Better, Faster, Stronger", "Daft Punk"),
                             {{"id", 5}, {"type", "album"}, {"title", "Not a track"}}});
    res.set_content(json{{"data", data}, {"total", 2}}.dump(), "application/json");
  });
  server_.Start();
  auto p = Make();
  auto r = p.ForMood({Emotion::kSurprise, "electronic", 7}, Later());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_NE(q.find("upbeat"), std::string::npos);
  EXPECT_NE(q.find("electronic"), std::string::npos);
  EXPECT_EQ(limit, "7");
  ASSERT_EQ(r->size(), 1u);
  const auto& t = (*r)[0];
  EXPECT_EQ(t.deezer_id, "3135556");
  EXPECT_EQ(t.deezer_url, "https://www.deezer.com/track/3135556");
  EXPECT_EQ(t.preview_url, "https://cdnt-preview.dzcdn.net/api/1/1/x/3135556.mp3");
  EXPECT_EQ(t.album, "Discovery");
  EXPECT_EQ(t.genre, "electronic");
  EXPECT_EQ(t.moods, std::vector<std::string>{"surprise"});
  EXPECT_TRUE(t.spotify_url.starts_with("https://open.spotify.com/search/"));
}

TEST_F(DeezerTest, MappedPlaylistIsReadAcrossPages) {
  playlists_[Emotion::kHappy] = "908622995";
  std::vector<std::string> indexes;
  server_.server().Get(R"(/playlist/(\d+)/tracks)",
                       [&](const httplib::Request& req, httplib::Response& res) {
    const std::string index = req.get_param_value("index");
    indexes.push_back(index);
    json body;
    if (index == "0") {
      body = {{"data", json::array({Track(1, "One", "A"), Track(2, "Two", "B")})},
              {"total", 3},
              {"next", server_.base() + "/playlist/908622995/tracks?limit=2&index=2"}};
    } else {
      body = {{"data", json::array({Track(3, "Three", "C")})}, {"total", 3}};
    }
    res.set_content(body.dump(), "application/json");
  });
  server_.Start();
  auto p = Make();
  auto r = p.ForMood({Emotion::kHappy, "", 5}, Later());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(indexes, (std::vector<std::string>{"0", "2"}));
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[2].deezer_id, "3");
  EXPECT_EQ((*r)[0].source, "deezer:playlist:908622995");
  auto capped = p.Playlist("908622995", Later(), 1);
  ASSERT_TRUE(capped.ok());
  EXPECT_EQ(capped->size(), 1u);
}

TEST_F(DeezerTest, InBodyErrorsMapToStatuses) {
  server_.server().Get(R"(/playlist/(\d+)/tracks)",
                       [&](const httplib::Request& req, httplib::Response& res) {
    if (req.matches[1] == "1")
      res.set_content(R"({"error":{"type":"DataException","message":"no data","code":800}})",
                      "application/json");
    else
      res.set_content(R"({"error":{"type":"Exception","message":"Quota limit exceeded","code":4}})",
                      "application/json");
  });
  server_.Start();
  auto p = Make();
  auto missing = p.Playlist("1", Later(), 10);
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(missing.status().IsNotFound());
  auto quota = p.Playlist("2", Later(), 10);
  ASSERT_FALSE(quota.ok());
  EXPECT_TRUE(quota.status().IsResourceExhausted());
}

// Found by fuzz/deezer_fuzzer.cc: an error object whose "code" is not a number made
// json::value() throw type_error out of the provider. Now an Unavailable like any other
// unknown error code.
TEST_F(DeezerTest, FuzzNonNumericErrorCodeIsUnavailableNotThrown) {
  server_.server().Get("/search", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"error":{"type":"Exception","message":"odd","code":"4"}})",
                    "application/json");
  });
  server_.Start();
  auto p = Make();
  auto r = p.ForMood(ProviderQuery{}, Later());
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsUnavailable()) << r.status().ToString();
}

}  // namespace
}  // namespace moodtune::music
