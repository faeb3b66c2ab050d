#include <gtest/gtest.h>

#include <map>
#include <set>

#include "moodtune/music/catalogue.h"

namespace moodtune::music {
namespace {

TEST(DefaultCatalogueTest, ParsesCleanlyWithEnoughTracksAndGenres) {
  auto tracks = DefaultCatalogueTracks();
  ASSERT_TRUE(tracks.ok()) << tracks.status().ToString();
  EXPECT_GE(tracks->size(), 600u);
  std::map<std::string, int> by_genre;
  for (const auto& t : *tracks) by_genre[t.genre]++;
  EXPECT_GE(by_genre.size(), 15u);
  for (const char* g : {"gospel", "afrobeats", "highlife", "hip-hop", "r&b", "pop", "rock",
                        "country", "jazz", "classical", "electronic", "reggae", "latin", "k-pop",
                        "soul"})
    EXPECT_GE(by_genre[g], 15) << g;
}

TEST(DefaultCatalogueTest, EveryLinkIsASearchUrlBuiltFromTitleAndArtist) {
  auto tracks = DefaultCatalogueTracks();
  ASSERT_TRUE(tracks.ok());
  for (const auto& t : *tracks) {
    ASSERT_FALSE(t.artists.empty()) << t.title;
    EXPECT_EQ(t.spotify_url, SpotifySearchUrl(t.title, t.artists[0])) << t.title;
    EXPECT_EQ(t.deezer_url, DeezerSearchUrl(t.title, t.artists[0])) << t.title;
    EXPECT_TRUE(t.spotify_id.empty()) << t.title;  // never invented
    EXPECT_TRUE(t.deezer_id.empty()) << t.title;
    EXPECT_EQ(t.source, "default");
  }
}

TEST(DefaultCatalogueTest, ValuesInRangeTaggedAndUnique) {
  auto tracks = DefaultCatalogueTracks();
  ASSERT_TRUE(tracks.ok());
  std::set<std::string> keys;
  int low = 0, high = 0;
  for (const auto& t : *tracks) {
    EXPECT_GE(t.valence, 0.0f);
    EXPECT_LE(t.valence, 1.0f);
    EXPECT_GE(t.energy, 0.0f);
    EXPECT_LE(t.energy, 1.0f);
    EXPECT_FALSE(t.moods.empty()) << t.title;
    EXPECT_TRUE(keys.insert(DedupKey(t)).second) << "duplicate: " << t.title;
    low += t.valence < 0.35f;
    high += t.valence > 0.65f;
  }
  // Enough music on both sides of the plane for every emotion.
  EXPECT_GE(low, 80);
  EXPECT_GE(high, 150);
}

TEST(DefaultCatalogueTest, LoadedIntoAFreshCatalogue) {
  auto c = Catalogue::Open({});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(static_cast<size_t>(*(*c)->TrackCount()), DefaultCatalogueTracks()->size());
}

}  // namespace
}  // namespace moodtune::music
