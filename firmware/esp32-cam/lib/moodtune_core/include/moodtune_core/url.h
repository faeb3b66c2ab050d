// Splits the configured server URL ("http://host:port/base") into what HTTP clients need.
// Thread-safety: pure.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace moodtune::device {

inline constexpr size_t kMaxHostLen = 63;
inline constexpr size_t kMaxPathLen = 95;

struct ServerUrl {
  bool https = false;
  char host[kMaxHostLen + 1] = {};
  uint16_t port = 0;          // 80 / 443 when the URL gives none
  char path[kMaxPathLen + 1] = {};  // endpoint path: base path + kMoodPath, starts with '/'
};

// Parses "http[s]://host[:port][/base]" (no user-info, query or fragment) and appends the
// device endpoint path (moodtune::device::kMoodPath) to the base. False on anything else or when a
// part does not fit its buffer; *out is then unspecified.
bool ParseServerUrl(const char* url, ServerUrl* out);

}  // namespace moodtune::device
