// Exponential backoff with jitter for retrying uploads and Wi-Fi reconnects.
// Thread-safety: Backoff is a small value type, not synchronised; BackoffDelayMs is pure.
#pragma once

#include <stdint.h>

namespace moodtune::device {

struct BackoffOptions {
  uint32_t base_ms = 1000;   // delay before the first retry
  uint32_t max_ms = 60000;   // cap on any single delay
  uint8_t factor = 2;        // growth per failed attempt (>= 1)
  uint8_t jitter_pct = 25;   // up to this % of the delay is randomised away (0..100)
};

// The delay before retry number `attempt` (0 = first retry): min(max, base * factor^attempt),
// minus up to jitter_pct % of it chosen by `random` (any 32-bit value, e.g. esp_random()).
// Never 0 unless base_ms is 0; never above max_ms.
uint32_t BackoffDelayMs(const BackoffOptions& o, uint32_t attempt, uint32_t random);

// Counts consecutive failures and hands out growing delays; Reset() after a success.
class Backoff {
 public:
  explicit Backoff(const BackoffOptions& o = {}) : options_(o) {}
  // Delay before the next try; advances the attempt count.
  uint32_t NextDelayMs(uint32_t random);
  void Reset() { attempt_ = 0; }
  uint32_t attempts() const { return attempt_; }

 private:
  BackoffOptions options_;
  uint32_t attempt_ = 0;
};

}  // namespace moodtune::device
