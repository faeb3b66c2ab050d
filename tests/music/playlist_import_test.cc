#include "moodtune/music/playlist_import.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "fake_api.h"
#include "moodtune/music/deezer.h"
#include "moodtune/music/mood.h"

namespace moodtune::music {
namespace {
using nlohmann::json;

TEST(PlaylistRefTest, RecognisesUrlsUrisAndIds) {
  struct Case {
    std::string in, hint, provider, id;
  };
  for (const Case& c : std::vector<Case>{
           {"spotify:playlist:37i9dQZF1DXdPec7aLTmlC", "", "spotify", "37i9dQZF1DXdPec7aLTmlC"},
           {"https://open.spotify.com/playlist/37i9dQZF1DXdPec7aLTmlC?si=abc123", "", "spotify",
            "37i9dQZF1DXdPec7aLTmlC"},
           {"https://open.spotify.com/intl-de/playlist/37i9dQZF1DXdPec7aLTmlC", "", "spotify",
            "37i9dQZF1DXdPec7aLTmlC"},
           {"https://www.deezer.com/en/playlist/908622995", "", "deezer", "908622995"},
           {"https://www.deezer.com/playlist/908622995?utm=x", "", "deezer", "908622995"},
           {"deezer:playlist:123", "", "deezer", "123"},
           {"37i9dQZF1DXdPec7aLTmlC", "", "spotify", "37i9dQZF1DXdPec7aLTmlC"},
           {"908622995", "", "deezer", "908622995"},
           {"abc", "spotify", "spotify", "abc"},
       }) {
    auto r = ParsePlaylistRef(c.in, c.hint);
    ASSERT_TRUE(r.has_value()) << c.in;
    EXPECT_EQ(r->provider, c.provider) << c.in;
    EXPECT_EQ(r->id, c.id) << c.in;
  }
  for (const std::string bad : {"tracks.csv", "music/list.json", "https://open.spotify.com/track/x",
                                "https://evil.example/playlist/123", "deezer:playlist:12a",
                                "spotify:playlist:../../x"})
    EXPECT_FALSE(ParsePlaylistRef(bad).has_value()) << bad;
}

TEST(PlaylistImportTest, StoresRealIdsLinksAndPreviewsInOneGo) {
  testing::FakeServer server;
  server.server().Get(R"(/playlist/(\d+)/tracks)", [&](const httplib::Request& req,
                                                       httplib::Response& res) {
    json data = json::array();
    for (int i = 1; i <= 3; ++i)
      data.push_back({{"id", 100 + i},
                      {"title", "Track " + std::to_string(i)},
                      {"link", "https://www.deezer.com/track/" + std::to_string(100 + i)},
                      {"preview", "https://cdnt-preview.dzcdn.net/" + std::to_string(i) + ".mp3"},
                      {"artist", {{"name", "Artist " + std::to_string(i)}}},
                      {"album", {{"title", "Album"}}},
                      {"type", "track"}});
    data.push_back(data[0]);  // a playlist may hold a track twice
    res.set_content(json{{"data", data}, {"total", 4}}.dump(), "application/json");
    EXPECT_EQ(req.matches[1], "908622995");
  });
  server.Start();
  auto http = MakeHttpClient();
  DeezerOptions o;
  o.api_base = server.base();
  DeezerProvider provider(o, *http, SystemClock());
  auto cat = Catalogue::Open({":memory:", 5000, false, 20});
  ASSERT_TRUE(cat.ok());
  PlaylistImportOptions io;
  io.genre = "Hip Hop";
  io.mood = Emotion::kHappy;
  auto ref = ParsePlaylistRef("https://www.deezer.com/en/playlist/908622995");
  ASSERT_TRUE(ref.has_value());
  auto r = ImportPlaylist(**cat, provider, SystemClock(), *ref, io);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->parsed.rows, 4);
  EXPECT_EQ(r->added.inserted, 3);
  EXPECT_EQ(r->added.duplicates, 1);
  auto all = (*cat)->AllTracks();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  for (const auto& t : *all) {
    EXPECT_EQ(t.deezer_url, "https://www.deezer.com/track/" + t.deezer_id);
    EXPECT_FALSE(t.deezer_id.empty());
    EXPECT_TRUE(t.preview_url.starts_with("https://cdnt-preview.dzcdn.net/"));
    EXPECT_EQ(t.source, "deezer:playlist:908622995");
    EXPECT_EQ(t.genre, "hip-hop");
    EXPECT_FLOAT_EQ(t.valence, EmotionAnchor(Emotion::kHappy).valence);
  }

  PlaylistRef spotify_ref{"spotify", "x"};
  EXPECT_TRUE(ImportPlaylist(**cat, provider, SystemClock(), spotify_ref, io)
                  .status().IsInvalidArgument());
}

TEST(PlaylistImportTest, ProviderErrorWritesNothing) {
  testing::FakeServer server;
  server.server().Get(R"(/playlist/(\d+)/tracks)", [](const httplib::Request&,
                                                      httplib::Response& res) {
    res.status = 404;
  });
  server.Start();
  auto http = MakeHttpClient();
  DeezerOptions o;
  o.api_base = server.base();
  DeezerProvider provider(o, *http, SystemClock());
  auto cat = Catalogue::Open({":memory:", 5000, false, 20});
  ASSERT_TRUE(cat.ok());
  auto r = ImportPlaylist(**cat, provider, SystemClock(), {"deezer", "1"}, {});
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsNotFound());
  EXPECT_EQ(*(*cat)->TrackCount(), 0);
}

}  // namespace
}  // namespace moodtune::music
