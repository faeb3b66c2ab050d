#include "moodtune_core/backoff.h"

namespace moodtune::device {

uint32_t BackoffDelayMs(const BackoffOptions& o, uint32_t attempt, uint32_t random) {
  const uint32_t factor = o.factor < 1 ? 1 : o.factor;
  uint64_t d = o.base_ms;
  // Multiply step by step so large attempt counts saturate instead of overflowing.
  for (uint32_t i = 0; i < attempt && d < o.max_ms; ++i) d *= factor;
  if (d > o.max_ms) d = o.max_ms;
  const uint32_t jitter_pct = o.jitter_pct > 100 ? 100 : o.jitter_pct;
  const uint64_t span = d * jitter_pct / 100;
  if (span > 0) d -= random % (span + 1);
  if (d == 0 && o.base_ms > 0) d = 1;
  return static_cast<uint32_t>(d);
}

uint32_t Backoff::NextDelayMs(uint32_t random) {
  const uint32_t d = BackoffDelayMs(options_, attempt_, random);
  if (attempt_ < 0xFFFFu) ++attempt_;
  return d;
}

}  // namespace moodtune::device
