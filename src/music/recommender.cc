#include "moodtune/music/recommender.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <limits>
#include <cmath>
#include <random>

namespace moodtune::music {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Compact copy of what the per-position loop reads, so it streams through a small array
// instead of touching each (large) Track again.
struct Candidate {
  float valence, energy;
  float adjust;         // feedback bonuses/penalties + jitter, fixed for the whole list
  std::uint32_t index;  // into the catalogue span
  bool genre_match;
  int likes, skips;
};

// splitmix64: one cheap, well-mixed draw per track; seeded, so lists are reproducible.
float UnitJitter(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return static_cast<float>(x >> 40) * (1.0f / 16777216.0f);  // 24 bits -> [0, 1)
}

// Penalties for resembling earlier picks. Both are >= 0, which lets the caller skip them
// for tracks already worse than the best so far. Spread reads only the candidate's floats;
// the genre penalty needs the Track, so it runs second.
float SpreadPenalty(float v, float e, const std::vector<MoodPoint>& picked, float spread) {
  float pen = 0;
  for (const MoodPoint& p : picked)
    pen += spread * std::max(0.0f, 1.0f - Distance({v, e}, p) / 0.2f);
  return pen;
}

float GenrePenalty(const Track& t, const std::vector<const Track*>& picked, float diversity) {
  // An unknown genre (imported listener data) says nothing about sameness.
  if (t.genre.empty()) return 0;
  float pen = 0;
  for (const Track* p : picked)
    if (p->genre == t.genre) pen += diversity;
  return pen;
}

bool EqualsLower(std::string_view a, std::string_view lower) {
  if (a.size() != lower.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != static_cast<unsigned char>(lower[i]))
      return false;
  return true;
}

bool SharesArtist(const Track& t, const std::vector<std::string>& used_lower) {
  for (const auto& a : t.artists)
    for (const auto& u : used_lower)
      if (EqualsLower(a, u)) return true;
  return false;
}

std::string ReasonText(const Track& t, const Reason& r, bool genre_filter) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "distance %.3f to target (valence %.2f, energy %.2f)",
                r.distance, r.target.valence, r.target.energy);
  std::string s = buf;
  std::snprintf(buf, sizeof buf, "; track at (%.2f, %.2f)", t.valence, t.energy);
  s += buf;
  if (genre_filter) s += r.genre_match ? "; genre " + t.genre + " matches" : "";
  else s += "; genre " + (t.genre.empty() ? std::string("unknown") : t.genre);
  if (r.likes) s += "; you liked it before";
  if (r.skips) s += "; skipped " + std::to_string(r.skips) + "x before";
  if (!t.moods.empty()) {
    s += "; moods ";
    for (size_t i = 0; i < t.moods.size(); ++i) s += (i ? "/" : "") + t.moods[i];
  }
  return s;
}

}  // namespace

std::optional<MusicWarning> GenreFilterWarning(std::span<const Track> catalogue,
                                               const std::vector<std::string>& include_genres) {
  if (include_genres.empty()) return std::nullopt;
  std::size_t without = 0;
  for (const Track& t : catalogue) without += t.genre.empty() ? 1 : 0;
  if (without == 0) return std::nullopt;
  return MusicWarning{std::string(kTracksWithoutGenre),
                      std::to_string(without) + " of " + std::to_string(catalogue.size()) +
                          " tracks have no genre and were not matched by the genre filter"};
}

Result<std::vector<Recommendation>> Recommend(std::span<const Track> catalogue,
                                              const EmotionProbs& probs,
                                              const ListenerHistory& history,
                                              const RecommendOptions& o) {
  if (o.n < 1 || o.n > 100) return Status::InvalidArgument("n must be in 1..100");
  if (o.diversity < 0 || o.spread < 0 || o.like_bonus < 0 || o.skip_penalty < 0 ||
      o.artist_weight < 0 || o.jitter < 0)
    return Status::InvalidArgument("recommender weights must be >= 0");
  if (catalogue.size() > std::numeric_limits<std::uint32_t>::max())
    return Status::ResourceExhausted("catalogue too large");

  std::vector<std::string> include, exclude;
  for (const auto& g : o.include_genres)
    for (auto& related : GenreFamily(NormalizeGenre(g))) include.push_back(std::move(related));
  for (const auto& g : o.exclude_genres)
    for (auto& related : GenreFamily(NormalizeGenre(g))) exclude.push_back(std::move(related));

  const std::uint64_t seed = o.seed ? *o.seed : (std::uint64_t{std::random_device{}()} << 32 |
                                                  std::random_device{}());
  const std::uint64_t stream = seed * 0x2545F4914F6CDD1DULL;
  // Artist feedback: skip the string lookup unless the name's length could match a key.
  std::vector<bool> artist_len(256, false);
  for (const auto& [name, net] : history.by_artist) artist_len[std::min<size_t>(name.size(), 255)] = true;
  std::string lowered;

  // One pass: filters, exclusions and per-track adjustments that do not depend on position.
  std::vector<Candidate> cands;
  cands.reserve(catalogue.size());
  for (std::uint32_t i = 0; i < catalogue.size(); ++i) {
    const Track& t = catalogue[i];
    bool match = false;
    if (!include.empty()) {
      match = std::find(include.begin(), include.end(), t.genre) != include.end();
      if (!match) continue;
    }
    if (!exclude.empty() && std::find(exclude.begin(), exclude.end(), t.genre) != exclude.end())
      continue;
    if (!history.recent_track_ids.empty() && history.recent_track_ids.count(t.id)) continue;
    Candidate c{t.valence, t.energy, o.jitter > 0 ? o.jitter * UnitJitter(stream + i) : 0.0f,
                i, match, 0, 0};
    if (!history.by_track.empty()) {
      if (auto it = history.by_track.find(t.id); it != history.by_track.end()) {
        c.likes = it->second.likes;
        c.skips = it->second.skips;
        if (c.likes > 0) c.adjust -= o.like_bonus;
        c.adjust += o.skip_penalty * static_cast<float>(std::min(c.skips, 3));
      }
    }
    if (!history.by_artist.empty()) {
      for (const auto& a : t.artists) {
        if (!artist_len[std::min<size_t>(a.size(), 255)]) continue;
        lowered.assign(a);
        for (char& ch : lowered) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        if (auto it = history.by_artist.find(lowered); it != history.by_artist.end())
          c.adjust -= o.artist_weight * static_cast<float>(std::clamp(it->second, -3, 3));
      }
    }
    cands.push_back(c);
  }

  const std::vector<MoodPoint> path = TargetPath(ProbsToMoodPoint(probs), o.strategy, o.n);
  std::vector<char> used(cands.size(), 0);
  std::vector<const Track*> picked;
  std::vector<MoodPoint> picked_points;
  std::vector<std::string> used_artists;
  std::vector<Recommendation> out;
  for (int pos = 0; pos < o.n; ++pos) {
    const MoodPoint target = path[pos];
    std::ptrdiff_t best = -1;
    float best_score = std::numeric_limits<float>::infinity(), best_dist = 0;
    for (size_t k = 0; k < cands.size(); ++k) {
      if (used[k]) continue;
      const Candidate& c = cands[k];
      // d + adjust < best  <=>  d < best - adjust: compare squares, take the root rarely.
      const float room = best_score - c.adjust;
      if (room <= 0) continue;
      const float dv = c.valence - target.valence, de = c.energy - target.energy;
      const float d2 = dv * dv + de * de;
      if (room < std::numeric_limits<float>::infinity() && d2 >= room * room) continue;
      const float d = std::sqrt(d2);
      float s = d + c.adjust;
      if (s >= best_score) continue;  // penalties below only add
      const Track& t = catalogue[c.index];
      if (!picked.empty()) {
        s += SpreadPenalty(c.valence, c.energy, picked_points, o.spread);
        if (s >= best_score) continue;
        s += GenrePenalty(t, picked, o.diversity);
        if (s >= best_score || SharesArtist(t, used_artists)) continue;
      }
      best = static_cast<std::ptrdiff_t>(k);
      best_score = s;
      best_dist = d;
    }
    if (best < 0) break;
    used[best] = 1;
    const Candidate& c = cands[best];
    const Track& t = catalogue[c.index];
    picked.push_back(&t);
    picked_points.push_back({t.valence, t.energy});
    for (const auto& a : t.artists) used_artists.push_back(Lower(a));
    Reason r;
    r.target = target;
    r.distance = best_dist;
    r.score = best_score;
    r.genre_match = c.genre_match;
    r.likes = c.likes;
    r.skips = c.skips;
    r.text = ReasonText(t, r, !include.empty());
    out.push_back({t, std::move(r)});
  }
  return out;
}

}  // namespace moodtune::music
