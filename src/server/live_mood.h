// Live mood (issue 13): one camera session's emotion readings over time, smoothed, with a
// trend and a "current mood" that changes only when another emotion has led for a while (not
// on one blink). Pure math on values: the caller passes each reading's time in seconds on its
// own monotonic clock, so tests drive time without sleeping.
// Thread-safety: a LiveMood is a plain value; callers that share one must lock (LiveSessions
// does).
#pragma once

#include <deque>
#include <optional>

#include "moodtune/emotion.h"
#include "moodtune/status.h"

namespace moodtune::server {

struct LiveMoodOptions {
  // Exponential smoothing time constant, seconds: a reading dt seconds after the previous one
  // gets weight 1 - exp(-dt / time_constant_s); a step change is 63% in after one constant
  // and 95% after three. 0 = no smoothing (the smoothed value is the last reading).
  double time_constant_s = 5.0;
  // The first mood is set once the same emotion has led the smoothed distribution at every
  // face reading for this many seconds.
  double settle_s = 2.0;
  // After that, another emotion must lead the current mood by `margin` (smoothed probability,
  // 0..1) at every face reading for `hold_s` seconds before the mood changes to it.
  double hold_s = 3.0;
  float margin = 0.10f;
  // The trend is the smoothed distribution now minus the one about this many seconds ago.
  double trend_window_s = 5.0;
  // Face readings kept (for the trend and the history a client draws as a sparkline).
  int history_size = 30;
};

// One face reading's point in the history: time (seconds, caller's clock), the smoothed
// distribution after that reading and its leader (argmax).
struct LiveMoodPoint {
  double t_s = 0;
  EmotionProbs smoothed{};
  Emotion leader = Emotion::kNeutral;
};

class LiveMood {
 public:
  explicit LiveMood(LiveMoodOptions o = {}) : o_(o) {}

  // Adds the reading taken at `t_s` seconds. `probs` nullptr = no face in that frame: the
  // smoothed distribution, the trend and the hold timers are not moved (the reading is only
  // counted). Returns true when the mood changed with this reading (the first settled mood
  // included). InvalidArgument, with nothing changed, when t_s is not finite or is earlier
  // than the previous reading's, or when `probs` has a value that is not finite or not in
  // 0..1.
  Result<bool> Add(double t_s, const EmotionProbs* probs);

  // Nothing below changes until the first face reading.
  bool has_reading() const { return !history_.empty(); }
  const EmotionProbs& smoothed() const { return smoothed_; }
  // Smoothed now minus the newest history point at least trend_window_s older (the oldest
  // point when none is that old); all zero with fewer than two face readings. `span_s`, when
  // given, receives the seconds between the two points (0 with fewer than two readings).
  EmotionProbs Trend(double* span_s = nullptr) const;
  // The current mood, nullopt until it settles.
  std::optional<Emotion> mood() const { return mood_; }
  double mood_since_s() const { return mood_since_s_; }  // time of the last change
  // The emotion now leading toward a change (or toward settling) and since when; nullopt
  // when none is.
  std::optional<Emotion> candidate() const { return candidate_; }
  double candidate_since_s() const { return candidate_since_s_; }
  // Oldest first, at most history_size face readings.
  const std::deque<LiveMoodPoint>& history() const { return history_; }
  int readings() const { return readings_; }           // frames added, with or without face
  int faceless_readings() const { return faceless_; }  // frames added without a face
  std::optional<double> last_t_s() const { return last_t_s_; }
  const LiveMoodOptions& options() const { return o_; }

 private:
  // The hysteresis step after the smoothed distribution moved; true when the mood changed.
  bool Hold(double t_s);

  LiveMoodOptions o_;
  EmotionProbs smoothed_{};
  std::deque<LiveMoodPoint> history_;
  std::optional<Emotion> mood_;
  double mood_since_s_ = 0;
  std::optional<Emotion> candidate_;
  double candidate_since_s_ = 0;
  std::optional<double> last_t_s_;       // any reading
  std::optional<double> last_face_t_s_;  // face readings (the smoothing's dt)
  int readings_ = 0;
  int faceless_ = 0;
};

}  // namespace moodtune::server
