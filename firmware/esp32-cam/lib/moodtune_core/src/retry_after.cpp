#include "moodtune_core/retry_after.h"

namespace moodtune::device {

bool ParseRetryAfterMs(const char* value, uint32_t max_ms, uint32_t* out_ms) {
  if (value == nullptr) return false;
  const char* p = value;
  while (*p == ' ' || *p == '\t') ++p;
  uint64_t ms = 0;
  int digits = 0;
  for (; *p >= '0' && *p <= '9'; ++p, ++digits) {
    // Saturate instead of overflowing: "99999999999999" is just "very long".
    if (ms <= max_ms) ms = ms * 10 + static_cast<uint64_t>(*p - '0') * 1000;
    if (ms > max_ms) ms = static_cast<uint64_t>(max_ms) + 1;
  }
  while (*p == ' ' || *p == '\t') ++p;
  if (digits == 0 || *p != '\0') return false;
  *out_ms = ms > max_ms ? max_ms : static_cast<uint32_t>(ms);
  return true;
}

}  // namespace moodtune::device
