#include "live_sessions.h"

#include <algorithm>
#include <cmath>

namespace moodtune::server {
namespace {

double Seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

}  // namespace

LiveSessions::LiveSessions(LiveLimits limits, LiveMoodOptions mood, SteadyNow now)
    : limits_(limits),
      mood_options_(mood),
      now_(now ? std::move(now) : SteadyNow([] { return std::chrono::steady_clock::now(); })) {}

void LiveSessions::ExpireLocked(Time now) {
  for (auto it = sessions_.begin(); it != sessions_.end();)
    it = now - it->second.last_used >= limits_.idle_ttl ? sessions_.erase(it) : std::next(it);
}

LiveSnapshot LiveSessions::SnapshotLocked(const std::string& id, const Session& s, Time now) const {
  LiveSnapshot out{id, s.mood};
  out.age_s = Seconds(now - s.created);
  out.expires_in_s = std::max(0.0, Seconds(s.last_used + limits_.idle_ttl - now));
  return out;
}

Result<LiveSnapshot> LiveSessions::Create(const std::string& peer) {
  std::lock_guard<std::mutex> lock(mu_);
  const Time now = now_();  // under the lock: readings are ordered as they are applied
  ExpireLocked(now);
  if (static_cast<int>(sessions_.size()) >= limits_.max_sessions)
    return Status::Unavailable("the server holds its maximum of live sessions");
  const auto held = std::count_if(sessions_.begin(), sessions_.end(),
                                  [&](const auto& kv) { return kv.second.peer == peer; });
  if (held >= limits_.max_per_peer)
    return Status::ResourceExhausted("this address holds too many live sessions");
  std::string id = RandomId();
  Session s{peer, now, now, static_cast<double>(limits_.max_fps), now, LiveMood(mood_options_)};
  auto it = sessions_.emplace(id, std::move(s)).first;
  return SnapshotLocked(id, it->second, now);
}

Status LiveSessions::Admit(const std::string& id, int* retry_after_s) {
  std::lock_guard<std::mutex> lock(mu_);
  const Time now = now_();  // under the lock: readings are ordered as they are applied
  ExpireLocked(now);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return Status::NotFound("no such live session (expired or deleted)");
  Session& s = it->second;
  s.last_used = now;
  const double rate = std::max(1, limits_.max_fps);
  s.tokens = std::min(rate, s.tokens + Seconds(now - s.tokens_at) * rate);
  s.tokens_at = now;
  if (s.tokens >= 1.0) {
    s.tokens -= 1.0;
    return Status::Ok();
  }
  if (retry_after_s)
    *retry_after_s = std::max(1, static_cast<int>(std::ceil((1.0 - s.tokens) / rate)));
  return Status::ResourceExhausted("too many frames for this live session");
}

Result<LiveSnapshot> LiveSessions::Add(const std::string& id, std::optional<double> t_s,
                                       const EmotionProbs* probs) {
  std::lock_guard<std::mutex> lock(mu_);
  const Time now = now_();  // under the lock: readings are ordered as they are applied
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return Status::NotFound("no such live session (expired or deleted)");
  Session& s = it->second;
  s.last_used = now;
  auto changed = s.mood.Add(t_s.value_or(Seconds(now - s.created)), probs);
  if (!changed.ok()) return changed.status();
  LiveSnapshot out = SnapshotLocked(id, s, now);
  out.mood_changed = *changed;
  return out;
}

Result<LiveSnapshot> LiveSessions::Get(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  const Time now = now_();  // under the lock: readings are ordered as they are applied
  ExpireLocked(now);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return Status::NotFound("no such live session (expired or deleted)");
  // Reading the state does not keep a session alive: only frames do (a client polling GET
  // could otherwise hold a session forever without sending any).
  return SnapshotLocked(id, it->second, now);
}

bool LiveSessions::Remove(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  return sessions_.erase(id) > 0;
}

std::size_t LiveSessions::size() {
  std::lock_guard<std::mutex> lock(mu_);
  ExpireLocked(now_());
  return sessions_.size();
}

}  // namespace moodtune::server
