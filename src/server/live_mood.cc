#include "live_mood.h"

#include <algorithm>
#include <cmath>

namespace moodtune::server {

Result<bool> LiveMood::Add(double t_s, const EmotionProbs* probs) {
  if (!std::isfinite(t_s)) return Status::InvalidArgument("time is not finite");
  if (last_t_s_ && t_s < *last_t_s_)
    return Status::InvalidArgument("a reading's time must not be earlier than the previous one");
  if (probs)
    for (float p : *probs)
      if (!std::isfinite(p) || p < 0.0f || p > 1.0f)
        return Status::InvalidArgument("probabilities must be in 0..1");
  last_t_s_ = t_s;
  ++readings_;
  if (!probs) {
    // Looking away (or a frame without a face) is no evidence of a mood: nothing moves.
    ++faceless_;
    return false;
  }
  const double w = !last_face_t_s_ || o_.time_constant_s <= 0
                       ? 1.0
                       : 1.0 - std::exp(-(t_s - *last_face_t_s_) / o_.time_constant_s);
  if (w >= 1.0) {
    smoothed_ = *probs;
  } else {
    for (int i = 0; i < kNumEmotions; ++i)
      smoothed_[i] += static_cast<float>(w) * ((*probs)[i] - smoothed_[i]);
  }
  last_face_t_s_ = t_s;
  history_.push_back({t_s, smoothed_, TopEmotion(smoothed_)});
  while (static_cast<int>(history_.size()) > std::max(1, o_.history_size)) history_.pop_front();
  return Hold(t_s);
}

bool LiveMood::Hold(double t_s) {
  const Emotion leader = TopEmotion(smoothed_);
  std::optional<Emotion> contender;
  if (!mood_) {
    contender = leader;
  } else if (leader != *mood_ &&
             smoothed_[static_cast<int>(leader)] - smoothed_[static_cast<int>(*mood_)] >=
                 o_.margin) {
    contender = leader;
  }
  if (!contender) {
    candidate_.reset();
    return false;
  }
  if (candidate_ != contender) {
    // A new contender (or a lead that was broken): its hold starts now.
    candidate_ = contender;
    candidate_since_s_ = t_s;
  }
  const double needed = mood_ ? o_.hold_s : o_.settle_s;
  if (t_s - candidate_since_s_ < needed) return false;
  mood_ = *candidate_;
  mood_since_s_ = t_s;
  candidate_.reset();
  return true;
}

EmotionProbs LiveMood::Trend(double* span_s) const {
  EmotionProbs d{};
  if (span_s) *span_s = 0;
  if (history_.size() < 2) return d;
  const LiveMoodPoint& now = history_.back();
  const LiveMoodPoint* then = &history_.front();
  for (auto it = history_.rbegin() + 1; it != history_.rend(); ++it) {
    if (now.t_s - it->t_s >= o_.trend_window_s) {
      then = &*it;
      break;
    }
  }
  for (int i = 0; i < kNumEmotions; ++i) d[i] = now.smoothed[i] - then->smoothed[i];
  if (span_s) *span_s = now.t_s - then->t_s;
  return d;
}

}  // namespace moodtune::server
