// Live mood sessions (issue 13): an in-memory store of LiveMood values keyed by 128-bit
// random ids (as the image store's), for clients that send a camera frame about once a
// second. Assumes hostile clients: the number of sessions is capped (in all and per peer
// address), idle sessions expire, and each session may send at most max_fps frames a second
// (a token bucket of max_fps tokens).
// Thread-safety: all methods may be called concurrently (one mutex; every step under it is
// microseconds: the image analysis runs outside, between Admit and Add).
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "image_store.h"  // SteadyNow, RandomId
#include "live_mood.h"
#include "moodtune/status.h"

namespace moodtune::server {

// The store's limits. No defaults here: the server fills them from ServerOptions (live_*),
// where the defaults are.
struct LiveLimits {
  int max_sessions = 0;              // live sessions in all
  int max_per_peer = 0;              // live sessions one peer address may hold
  std::chrono::seconds idle_ttl{0};  // a session without a request for this long is gone
  int max_fps = 0;                   // frames a second per session (burst: max_fps)
};

// A session's state after a request: a copy, safe to render after the lock is released.
struct LiveSnapshot {
  std::string id;
  LiveMood mood;
  bool mood_changed = false;  // this frame changed the mood (Add only)
  double age_s = 0;           // seconds since the session was created (store clock)
  double expires_in_s = 0;    // seconds until it expires unless used
};

class LiveSessions {
 public:
  // `now` is injected for tests; default: steady_clock::now.
  LiveSessions(LiveLimits limits, LiveMoodOptions mood, SteadyNow now = nullptr);

  // A new session for `peer` (the client's address); idle sessions are expired first.
  // Unavailable when max_sessions are live; ResourceExhausted when `peer` already holds
  // max_per_peer.
  Result<LiveSnapshot> Create(const std::string& peer);
  // Takes one frame token of session `id`, before its image is analysed (so a client that
  // sends too fast costs no inference). NotFound for an unknown or expired id;
  // ResourceExhausted when too fast, with the whole seconds until a token is back (>= 1) in
  // *retry_after_s.
  Status Admit(const std::string& id, int* retry_after_s);
  // Adds a reading to session `id` (probs nullptr: the frame had no face). `t_s` is the
  // reading's time in seconds on the client's monotonic clock; nullopt = the store's clock,
  // seconds since the session was created. NotFound; InvalidArgument from LiveMood::Add (a
  // time earlier than the previous reading's).
  Result<LiveSnapshot> Add(const std::string& id, std::optional<double> t_s,
                           const EmotionProbs* probs);
  // NotFound for an unknown or expired id. Counts as use (renews the session).
  Result<LiveSnapshot> Get(const std::string& id);
  // False when there was no such session.
  bool Remove(const std::string& id);
  std::size_t size();

 private:
  using Time = std::chrono::steady_clock::time_point;
  struct Session {
    std::string peer;
    Time created;
    Time last_used;
    double tokens = 0;
    Time tokens_at;
    LiveMood mood;
  };
  void ExpireLocked(Time now);
  LiveSnapshot SnapshotLocked(const std::string& id, const Session& s, Time now) const;

  const LiveLimits limits_;
  const LiveMoodOptions mood_options_;
  SteadyNow now_;
  std::mutex mu_;
  std::unordered_map<std::string, Session> sessions_;
};

}  // namespace moodtune::server
