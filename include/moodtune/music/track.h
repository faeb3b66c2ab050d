// Track, listener feedback and link helpers: the music side's value types.
// Thread-safety: value types and pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace moodtune::music {

// One playable track. valence and energy are on 0..1 (0 = negative / calm, 1 = positive /
// energetic), the plane the recommender works on.
struct Track {
  std::int64_t id = 0;  // catalogue row id; 0 until stored
  std::string title;
  std::vector<std::string> artists;  // at least one
  std::string album;                 // "" when unknown
  std::string genre;                 // canonical lower-case (see NormalizeGenre)
  int year = 0;                      // 0 when unknown
  float valence = 0.5f;              // 0..1
  float energy = 0.5f;               // 0..1
  std::vector<std::string> moods;    // lower-case tags: "joyful", "melancholic", ...
  std::string spotify_url;           // a real track URL when known, else a search URL
  std::string deezer_url;            // idem
  std::string preview_url;           // 30 s preview (Deezer), "" when none
  std::string spotify_id;            // real ID from an import or API, never invented
  std::string deezer_id;             // idem
  std::string source;                // "default", "import:<file>", "spotify", "deezer"
};

enum class FeedbackKind { kLike, kSkip };
std::string_view FeedbackName(FeedbackKind k);  // "like", "skip"

// "Hip Hop", "hiphop", "rap" -> "hip-hop"; "RnB" -> "r&b"; "kpop" -> "k-pop"; otherwise
// trimmed lower-case.
std::string NormalizeGenre(std::string_view genre);
// The genres a filter for `genre` (normalised) matches: itself and its close relatives that
// stay separate names in the data. Issue 13: "afrobeat" (Fela's) and "afrobeats" are distinct
// genres, but a listener asking for one expects the other too.
std::vector<std::string> GenreFamily(const std::string& genre);

// The genres of `tracks`, sorted, each once, empty ones left out (what an unknown-genre
// message lists).
std::vector<std::string> GenresOf(const std::vector<Track>& tracks);

// Joins artists as "A, B" for display.
std::string JoinArtists(const std::vector<std::string>& artists, std::string_view sep = ", ");

// Search URLs built only from title and first artist, so they cannot point at a wrong track:
//   https://open.spotify.com/search/<percent-encoded "title artist">
//   https://www.deezer.com/search/<percent-encoded "title artist">
std::string SpotifySearchUrl(std::string_view title, std::string_view artist);
std::string DeezerSearchUrl(std::string_view title, std::string_view artist);
std::string SpotifyTrackUrl(std::string_view spotify_id);  // https://open.spotify.com/track/ID
std::string DeezerTrackUrl(std::string_view deezer_id);    // https://www.deezer.com/track/ID

// RFC 3986 percent-encoding of everything outside the unreserved set.
std::string PercentEncode(std::string_view s);

// Lower-case "title|artist1;artist2" used to detect the same track twice.
std::string DedupKey(const Track& t);

}  // namespace moodtune::music
