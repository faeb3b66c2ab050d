// Pure recommender: scores catalogue tracks against an emotion and a listener's history.
// No I/O; thread-safe (each call owns its RNG).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "moodtune/emotion.h"
#include "moodtune/music/mood.h"
#include "moodtune/music/track.h"
#include "moodtune/status.h"

namespace moodtune::music {

struct RecommendOptions {
  int n = 5;                                 // list length
  Strategy strategy = Strategy::kMatch;      // see mood.h; match is the reference behaviour
  std::vector<std::string> include_genres;   // empty = all genres (normalised on use)
  std::vector<std::string> exclude_genres;   // never pick these
  float diversity = 0.15f;       // penalty (distance units) per earlier pick of the same genre
  float spread = 0.10f;          // penalty scaled by closeness to earlier picks on the plane
  float like_bonus = 0.15f;      // distance units subtracted for a track the listener liked
  float skip_penalty = 0.20f;    // distance units added per skip of the track (max 3 skips)
  float artist_weight = 0.05f;   // per net like(+)/skip(-) of any track by the same artist
  float jitter = 0.04f;          // uniform random 0..jitter added, so lists vary between calls
  std::optional<std::uint64_t> seed;  // fixed seed: reproducible lists; none: random_device
};

// What the recommender knows about one listener (see Catalogue::History).
struct ListenerHistory {
  std::unordered_set<std::int64_t> recent_track_ids;  // excluded outright
  struct Counts {
    int likes = 0;
    int skips = 0;
  };
  std::unordered_map<std::int64_t, Counts> by_track;
  std::unordered_map<std::string, int> by_artist;  // lower-case artist -> likes - skips
};

// Why a track was picked.
struct Reason {
  MoodPoint target;          // the target at this list position
  float distance = 0;        // plane distance from the track to the target
  float score = 0;           // distance + penalties - bonuses + jitter (lower is better)
  bool genre_match = false;  // the track's genre is one of include_genres
  int likes = 0;             // the listener's earlier feedback on this track
  int skips = 0;
  std::string text;          // one human-readable line built from the fields above
};

struct Recommendation {
  Track track;
  Reason reason;
  std::string preview_reason;  // why track.preview_url is empty ("" when it is set)
};

// A note attached to an answer (the service renders it as {"code", "message"}).
struct MusicWarning {
  std::string code;
  std::string message;
};
inline constexpr std::string_view kTracksWithoutGenre = "tracks_without_genre";

// Issue 15: tracks imported without a genre (genre "", e.g. the deezer-mood import) can
// never match include_genres. With a genre filter and such tracks in `catalogue`: a
// kTracksWithoutGenre warning "N of M tracks have no genre and were not matched by the
// genre filter"; otherwise nullopt. O(catalogue).
std::optional<MusicWarning> GenreFilterWarning(std::span<const Track> catalogue,
                                               const std::vector<std::string>& include_genres);

// Picks up to o.n tracks from `catalogue` for probabilities `probs`: greedy per position
// against TargetPath(ProbsToMoodPoint(probs), o.strategy, o.n), no artist twice, genre
// filters, recent plays excluded. Tracks without a genre never match include_genres and
// take no same-genre penalty. Returns fewer than n when the filters leave fewer tracks;
// InvalidArgument for n < 1 or n > 100 or negative weights. Copies only the picked tracks.
Result<std::vector<Recommendation>> Recommend(std::span<const Track> catalogue,
                                              const EmotionProbs& probs,
                                              const ListenerHistory& history,
                                              const RecommendOptions& o);

}  // namespace moodtune::music
