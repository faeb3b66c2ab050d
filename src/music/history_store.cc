// The SQLite HistoryStore (an adapter over Catalogue under a mutex), the pure history builder
// and URL redaction. The PostgreSQL store is in pg_history_store.cc.
#include "moodtune/music/history_store.h"

#include <mutex>
#include <unordered_map>

#include "csv.h"
#include "moodtune/music/catalogue.h"

namespace moodtune::music {
namespace {

class SqliteHistoryStore final : public HistoryStore {
 public:
  explicit SqliteHistoryStore(std::unique_ptr<Catalogue> catalogue)
      : catalogue_(std::move(catalogue)) {}

  Status RecordPlays(std::string_view listener, std::span<const std::int64_t> track_ids,
                     std::int64_t unix_s) override {
    std::lock_guard<std::mutex> lock(mu_);
    return catalogue_->RecordPlays(listener, track_ids, unix_s);
  }
  Result<std::vector<std::int64_t>> RecentPlays(std::string_view listener, int limit) override {
    std::lock_guard<std::mutex> lock(mu_);
    return catalogue_->RecentPlays(listener, limit);
  }
  Status RecordFeedback(std::string_view listener, std::int64_t track_id, FeedbackKind kind,
                        std::int64_t unix_s, std::string_view event_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    return catalogue_->RecordFeedback(listener, track_id, kind, unix_s, event_id);
  }
  Result<std::vector<FeedbackEvent>> Feedback(std::string_view listener) override {
    std::lock_guard<std::mutex> lock(mu_);
    return catalogue_->FeedbackOf(listener);
  }
  std::string Describe() const override { return "sqlite"; }

 private:
  std::mutex mu_;
  std::unique_ptr<Catalogue> catalogue_;
};

}  // namespace

std::unique_ptr<HistoryStore> NewSqliteHistoryStore(std::unique_ptr<Catalogue> catalogue) {
  return std::make_unique<SqliteHistoryStore>(std::move(catalogue));
}

std::string RedactDatabaseUrl(std::string_view url) {
  std::string s(url);
  const auto scheme = s.find("://");
  if (scheme != std::string::npos) {
    // scheme://user:password@host...: the userinfo ends at the last '@' before the path.
    const auto start = scheme + 3;
    auto end = s.find_first_of("/?#", start);
    if (end == std::string::npos) end = s.size();
    const auto at = s.rfind('@', end);
    if (at != std::string::npos && at >= start) {
      const auto colon = s.find(':', start);
      if (colon != std::string::npos && colon < at) s.replace(colon + 1, at - colon - 1, "***");
    }
    // ...?password=... in the query string.
    for (auto q = s.find("password=", start); q != std::string::npos;
         q = s.find("password=", q + 1)) {
      if (q > 0 && s[q - 1] != '?' && s[q - 1] != '&') continue;
      const auto v = q + 9;
      const auto e = s.find('&', v);
      s.replace(v, (e == std::string::npos ? s.size() : e) - v, "***");
    }
    return s;
  }
  // key=value conninfo: password=secret or password='se cret'.
  for (auto p = s.find("password"); p != std::string::npos; p = s.find("password", p + 1)) {
    if (p > 0 && s[p - 1] != ' ' && s[p - 1] != '\t') continue;
    auto eq = s.find_first_not_of(" \t", p + 8);
    if (eq == std::string::npos || s[eq] != '=') continue;
    auto v = s.find_first_not_of(" \t", eq + 1);
    if (v == std::string::npos) break;
    std::size_t e;
    if (s[v] == '\'') {
      e = v + 1;
      while (e < s.size() && s[e] != '\'') e += s[e] == '\\' ? 2 : 1;
      e = std::min(e + 1, s.size());
    } else {
      e = s.find_first_of(" \t", v);
      if (e == std::string::npos) e = s.size();
    }
    s.replace(v, e - v, "***");
  }
  return s;
}

ListenerHistory BuildHistory(std::span<const std::int64_t> recent_plays,
                             std::span<const FeedbackEvent> feedback,
                             std::span<const Track> tracks) {
  std::unordered_map<std::int64_t, const Track*> by_id;
  by_id.reserve(tracks.size());
  for (const Track& t : tracks) by_id.emplace(t.id, &t);
  ListenerHistory h;
  h.recent_track_ids.insert(recent_plays.begin(), recent_plays.end());
  for (const FeedbackEvent& f : feedback) {
    const bool like = f.kind == FeedbackKind::kLike;
    auto& c = h.by_track[f.track_id];
    (like ? c.likes : c.skips)++;
    auto it = by_id.find(f.track_id);
    if (it == by_id.end()) continue;
    for (const auto& a : it->second->artists) h.by_artist[internal::ToLower(a)] += like ? 1 : -1;
  }
  return h;
}

Result<ListenerHistory> LoadHistory(HistoryStore& store, std::string_view listener,
                                    int recent_plays, std::span<const Track> tracks) {
  auto recent = store.RecentPlays(listener, recent_plays);
  if (!recent.ok()) return recent.status();
  auto feedback = store.Feedback(listener);
  if (!feedback.ok()) return feedback.status();
  return BuildHistory(*recent, *feedback, tracks);
}

}  // namespace moodtune::music
