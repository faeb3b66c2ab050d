// Live music providers (Spotify, Deezer) behind one interface, a TTL cache for their
// answers, and RecommendLive: ask a provider within a time budget and fall back to the
// catalogue, saying why. Network and clock are injected (http.h).
// Thread-safety: a Provider may be called from one thread at a time unless it says more;
// ProviderCache is thread-safe; RecommendLive is re-entrant given distinct providers.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "moodtune/emotion.h"
#include "moodtune/music/http.h"
#include "moodtune/music/recommender.h"
#include "moodtune/music/track.h"
#include "moodtune/status.h"

namespace moodtune::music {

// Log sink for provider events (retries, renewals, fallbacks). Messages never contain
// tokens, client secrets or Authorization headers. Empty = discard.
using LogFn = std::function<void(std::string_view)>;

struct ProviderQuery {
  Emotion emotion = Emotion::kNeutral;  // the mood to find music for
  std::string genre;                    // "" = any genre
  int limit = 10;                       // tracks wanted (providers clamp to their own max)
};

class Provider {
 public:
  virtual ~Provider() = default;
  virtual std::string_view Name() const = 0;  // "spotify", "deezer"
  // Tracks for a mood and genre: the playlist configured for the emotion when there is
  // one, else a search. Tracks carry real IDs and links, genre = the query's genre (or
  // "unknown"), valence/energy = EmotionAnchor(q.emotion) (neither API gives audio
  // features to new apps), moods = {emotion name}, source = Name(). Returns by `deadline`:
  // DeadlineExceeded when it ran out, NotFound for 404, Unavailable for 403, repeated 401,
  // 5xx, broken or malformed answers, ResourceExhausted for a 429 it could not wait out.
  virtual Result<std::vector<Track>> ForMood(const ProviderQuery& q,
                                             Clock::TimePoint deadline) = 0;
  // Every track of one playlist (following `next`), at most max_tracks; same errors.
  virtual Result<std::vector<Track>> Playlist(std::string_view id, Clock::TimePoint deadline,
                                              int max_tracks) = 0;
};

// Words a provider searches for each emotion: angry "angry", disgust "dark", fear "tense",
// happy "happy", sad "sad", surprise "upbeat", neutral "chill".
std::string_view MoodSearchWords(Emotion e);

struct LiveOptions {
  Millis budget{1500};                  // a recommendation waits at most this on a provider
  std::chrono::seconds cache_ttl{600};  // provider answers are reused this long
};

// Successful ForMood answers keyed by provider, emotion, genre and limit.
class ProviderCache {
 public:
  // Tracks stored under `key` and younger than their TTL, or false.
  bool Get(const std::string& key, Clock::TimePoint now, std::vector<Track>* out);
  void Put(const std::string& key, Clock::TimePoint expires, std::vector<Track> tracks);
  static std::string Key(std::string_view provider, const ProviderQuery& q);

 private:
  struct Entry {
    Clock::TimePoint expires;
    std::vector<Track> tracks;
  };
  std::mutex mu_;
  std::map<std::string, Entry> entries_;
};

// Where the list came from and, when the provider was not (only) used, why.
struct ProviderReport {
  std::string requested = "catalogue";  // "catalogue" or a provider's Name()
  std::string used = "catalogue";       // "spotify", "deezer", "spotify+catalogue", "catalogue"
  std::string fallback_reason;          // "" when the provider filled the list
  bool cached = false;                  // provider tracks came from the cache
  int provider_tracks = 0;              // candidates the provider returned
};

struct LiveRecommendation {
  std::vector<Recommendation> picks;
  ProviderReport report;
};

// With provider == nullptr: Recommend over the catalogue. Otherwise asks the provider
// (through `cache` when not null) for the top emotion and the first --genre, waiting at
// most lo.budget; provider tracks that are also in the catalogue (same title + artists)
// take the catalogue's row (id, valence, energy, genre, moods); the rest sit at the
// listener's mood point. Recommend runs over the provider tracks and, when they give fewer
// than ro.n, the rest comes from the catalogue (artists not repeated). Any provider error
// means a catalogue list with report.fallback_reason set; only Recommend's own
// InvalidArgument is returned as an error.
Result<LiveRecommendation> RecommendLive(Provider* provider, ProviderCache* cache, Clock& clock,
                                         std::span<const Track> catalogue,
                                         const EmotionProbs& probs,
                                         const ListenerHistory& history,
                                         const RecommendOptions& ro, const LiveOptions& lo,
                                         const LogFn& log = {});

}  // namespace moodtune::music
