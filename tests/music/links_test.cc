#include <gtest/gtest.h>

#include "moodtune/music/track.h"

namespace moodtune::music {
namespace {

TEST(LinksTest, SearchUrlsEncodeTitleAndArtist) {
  EXPECT_EQ(SpotifySearchUrl("Oh Happy Day", "The Edwin Hawkins Singers"),
            "https://open.spotify.com/search/Oh%20Happy%20Day%20The%20Edwin%20Hawkins%20Singers");
  EXPECT_EQ(DeezerSearchUrl("R&B/Soul?", "Beyoncé"),
            "https://www.deezer.com/search/R%26B%2FSoul%3F%20Beyonc%C3%A9");
  EXPECT_EQ(SpotifyTrackUrl("abc"), "https://open.spotify.com/track/abc");
  EXPECT_EQ(DeezerTrackUrl("123"), "https://www.deezer.com/track/123");
}

TEST(LinksTest, NormalizeGenreAliases) {
  EXPECT_EQ(NormalizeGenre(" Hip Hop "), "hip-hop");
  EXPECT_EQ(NormalizeGenre("RnB"), "r&b");
  EXPECT_EQ(NormalizeGenre("KPOP"), "k-pop");
  EXPECT_EQ(NormalizeGenre("Afro-Beats"), "afrobeats");
  EXPECT_EQ(NormalizeGenre("Afrobeat"), "afrobeat");  // Fela's genre, not afrobeats
  EXPECT_EQ(NormalizeGenre("Gospel"), "gospel");
}

TEST(LinksTest, DedupKeyIgnoresCaseAndSpaces) {
  Track a, b;
  a.title = "Hello ";
  a.artists = {"Adele"};
  b.title = "hello";
  b.artists = {" ADELE"};
  EXPECT_EQ(DedupKey(a), DedupKey(b));
  b.artists = {"Lionel Richie"};
  EXPECT_NE(DedupKey(a), DedupKey(b));
  EXPECT_EQ(JoinArtists({"A", "B"}), "A, B");
  EXPECT_EQ(FeedbackName(FeedbackKind::kSkip), "skip");
}

}  // namespace
}  // namespace moodtune::music
