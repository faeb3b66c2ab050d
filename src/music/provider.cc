#include "moodtune/music/provider.h"

#include <algorithm>
#include <cctype>
#include <unordered_map>
#include <unordered_set>

#include "moodtune/music/mood.h"

namespace moodtune::music {

std::string_view MoodSearchWords(Emotion e) {
  switch (e) {
    case Emotion::kAngry: return "angry";
    case Emotion::kDisgust: return "dark";
    case Emotion::kFear: return "tense";
    case Emotion::kHappy: return "happy";
    case Emotion::kSad: return "sad";
    case Emotion::kSurprise: return "upbeat";
    case Emotion::kNeutral: return "chill";
  }
  return "chill";
}

bool ProviderCache::Get(const std::string& key, Clock::TimePoint now, std::vector<Track>* out) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return false;
  if (now >= it->second.expires) {
    entries_.erase(it);
    return false;
  }
  *out = it->second.tracks;
  return true;
}

void ProviderCache::Put(const std::string& key, Clock::TimePoint expires,
                        std::vector<Track> tracks) {
  std::lock_guard<std::mutex> lock(mu_);
  entries_[key] = Entry{expires, std::move(tracks)};
}

std::string ProviderCache::Key(std::string_view provider, const ProviderQuery& q) {
  return std::string(provider) + "|" + std::string(EmotionName(q.emotion)) + "|" +
         NormalizeGenre(q.genre) + "|" + std::to_string(q.limit);
}

namespace {

std::string LowerArtist(std::string_view a) {
  std::string s(a);
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Asks the provider (or the cache) within the budget.
Result<std::vector<Track>> Fetch(Provider& p, ProviderCache* cache, Clock& clock,
                                 const ProviderQuery& q, const LiveOptions& lo, bool* cached) {
  const std::string key = ProviderCache::Key(p.Name(), q);
  std::vector<Track> tracks;
  if (cache && cache->Get(key, clock.Now(), &tracks)) {
    *cached = true;
    return tracks;
  }
  auto r = p.ForMood(q, clock.Now() + lo.budget);
  if (r.ok() && cache) cache->Put(key, clock.Now() + lo.cache_ttl, *r);
  return r;
}

}  // namespace

Result<LiveRecommendation> RecommendLive(Provider* provider, ProviderCache* cache, Clock& clock,
                                         std::span<const Track> catalogue,
                                         const EmotionProbs& probs,
                                         const ListenerHistory& history,
                                         const RecommendOptions& ro, const LiveOptions& lo,
                                         const LogFn& log) {
  LiveRecommendation out;
  if (!provider) {
    auto recs = Recommend(catalogue, probs, history, ro);
    if (!recs.ok()) return recs.status();
    out.picks = std::move(*recs);
    return out;
  }
  out.report.requested = std::string(provider->Name());
  ProviderQuery q;
  q.emotion = TopEmotion(probs);
  q.genre = ro.include_genres.empty() ? "" : ro.include_genres.front();
  q.limit = std::clamp(ro.n * 2, 1, 50);
  auto fetched = Fetch(*provider, cache, clock, q, lo, &out.report.cached);
  std::vector<Track> pool;
  if (!fetched.ok()) {
    out.report.fallback_reason = fetched.status().ToString();
    if (log) log("falling back to the catalogue: " + out.report.fallback_reason);
  } else if (fetched->empty()) {
    out.report.fallback_reason = std::string(provider->Name()) + " returned no tracks";
  } else {
    out.report.provider_tracks = static_cast<int>(fetched->size());
    std::unordered_map<std::string, const Track*> by_key;
    for (const Track& t : catalogue) by_key.emplace(DedupKey(t), &t);
    const MoodPoint mood = ProbsToMoodPoint(probs);
    for (Track& t : *fetched) {
      if (auto it = by_key.find(DedupKey(t)); it != by_key.end()) {
        const Track& c = *it->second;
        t.id = c.id;
        t.valence = c.valence;
        t.energy = c.energy;
        t.genre = c.genre;
        t.moods = c.moods;
      } else {
        t.valence = mood.valence;
        t.energy = mood.energy;
      }
      pool.push_back(std::move(t));
    }
  }
  std::vector<Recommendation> picks;
  if (!pool.empty()) {
    auto recs = Recommend(pool, probs, history, ro);
    if (!recs.ok()) return recs.status();
    picks = std::move(*recs);
  }
  out.report.used = picks.empty() ? "catalogue" : std::string(provider->Name());
  if (static_cast<int>(picks.size()) < ro.n) {
    std::unordered_set<std::string> artists;
    std::unordered_set<std::int64_t> ids;
    for (const auto& r : picks) {
      for (const auto& a : r.track.artists) artists.insert(LowerArtist(a));
      if (r.track.id) ids.insert(r.track.id);
    }
    std::vector<Track> rest;
    for (const Track& t : catalogue) {
      bool clash = ids.count(t.id) > 0;
      for (const auto& a : t.artists) clash = clash || artists.count(LowerArtist(a)) > 0;
      if (!clash) rest.push_back(t);
    }
    RecommendOptions more = ro;
    more.n = ro.n - static_cast<int>(picks.size());
    auto recs = Recommend(rest, probs, history, more);
    if (!recs.ok()) return recs.status();
    if (!picks.empty() && !recs->empty()) {
      out.report.used += "+catalogue";
      if (out.report.fallback_reason.empty())
        out.report.fallback_reason = std::string(provider->Name()) + " gave " +
                                     std::to_string(picks.size()) + " of " +
                                     std::to_string(ro.n) + " tracks";
    }
    for (auto& r : *recs) picks.push_back(std::move(r));
  }
  out.picks = std::move(picks);
  return out;
}

}  // namespace moodtune::music
