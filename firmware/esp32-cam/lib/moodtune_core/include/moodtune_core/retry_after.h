// Parses the HTTP Retry-After header a server sends with 429 and 503 answers.
// Thread-safety: pure.
#pragma once

#include <stdint.h>

namespace moodtune::device {

// Longest Retry-After value a DeviceIo hands to the core (longer values are cut and then
// fail to parse, which falls back to the normal backoff).
inline constexpr uint32_t kMaxRetryAfterLen = 15;

// Parses the delta-seconds form of Retry-After ("120", surrounding spaces/tabs allowed) into
// milliseconds, saturating at `max_ms`. Returns false for null, empty, non-digits, or the
// HTTP-date form (the device has no wall clock); *out_ms is then untouched.
bool ParseRetryAfterMs(const char* value, uint32_t max_ms, uint32_t* out_ms);

}  // namespace moodtune::device
