// Fresh Deezer previews (issue 15) against a fake API on 127.0.0.1.
#include "moodtune/music/previews.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "fake_api.h"

namespace moodtune::music {
namespace {
using nlohmann::json;
using testing::FakeClock;
using testing::FakeServer;

std::vector<Track> Tracks() {
  std::vector<Track> out(4);
  out[0].title = "Has id";
  out[0].deezer_id = "3135556";
  out[1].title = "No id";
  out[2].title = "Gone";
  out[2].deezer_id = "404";
  out[3].title = "Stored preview, no id";
  out[3].preview_url = "https://example.com/old.mp3";
  return out;
}

TEST(PreviewsTest, DefaultsAreDocumentedValues) {
  PreviewOptions o;
  EXPECT_EQ(o.api_base, "https://api.deezer.com");
  EXPECT_EQ(o.budget, Millis(1500));
}

TEST(PreviewsTest, WithoutAProviderEachTrackSaysWhy) {
  FakeClock clock;
  auto tracks = Tracks();
  const auto reasons = RefreshPreviews(tracks, nullptr, clock);
  ASSERT_EQ(reasons.size(), 4u);
  EXPECT_EQ(reasons[0], "previews need a provider");
  EXPECT_EQ(reasons[1], "no Deezer id");
  EXPECT_EQ(reasons[2], "previews need a provider");
  EXPECT_EQ(reasons[3], "");
  EXPECT_TRUE(tracks[0].preview_url.empty());
}

TEST(PreviewsTest, FetchesAFreshLinkPerDeezerTrack) {
  FakeServer server;
  int calls = 0;
  server.server().Get(R"(/track/(\d+))", [&](const httplib::Request& req, httplib::Response& res) {
    ++calls;
    const std::string id = req.matches[1];
    if (id == "404") {
      res.set_content(
          json{{"error", {{"type", "DataException"}, {"message", "no data"}, {"code", 800}}}}
              .dump(),
          "application/json");
      return;
    }
    res.set_content(
        json{{"id", std::stoll(id)},
             {"preview", "https://cdnt-preview.dzcdn.net/api/1/1/" + id + ".mp3?hdnea=exp=1"}}
            .dump(),
        "application/json");
  });
  server.Start();
  FakeClock clock;
  auto http = MakeHttpClient();
  PreviewOptions o;
  o.api_base = server.base();
  auto tracks = Tracks();
  tracks[0].preview_url = "https://cdnt-preview.dzcdn.net/expired.mp3";
  const auto reasons = RefreshPreviews(tracks, http.get(), clock, o);
  EXPECT_EQ(calls, 2);  // only tracks with a Deezer id are looked up
  EXPECT_EQ(reasons[0], "");
  EXPECT_EQ(tracks[0].preview_url,
            "https://cdnt-preview.dzcdn.net/api/1/1/3135556.mp3?hdnea=exp=1");
  EXPECT_EQ(reasons[1], "no Deezer id");
  EXPECT_NE(reasons[2].find("800"), std::string::npos) << reasons[2];
  EXPECT_TRUE(tracks[2].preview_url.empty());
  EXPECT_EQ(tracks[3].preview_url, "https://example.com/old.mp3");
}

TEST(PreviewsTest, AnUnreachableApiGivesAReasonNotAnError) {
  FakeClock clock;
  auto http = MakeHttpClient();
  PreviewOptions o;
  o.api_base = "http://127.0.0.1:1";  // nothing listens on port 1
  o.budget = Millis(500);
  auto tracks = Tracks();
  const auto reasons = RefreshPreviews(tracks, http.get(), clock, o);
  EXPECT_FALSE(reasons[0].empty());
  EXPECT_NE(reasons[0], "previews need a provider");
  EXPECT_TRUE(tracks[0].preview_url.empty());
}

}  // namespace
}  // namespace moodtune::music
