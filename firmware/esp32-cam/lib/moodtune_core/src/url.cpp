#include "moodtune_core/url.h"

#include "moodtune/device_protocol.h"

namespace moodtune::device {
namespace {

bool StartsWith(const char* s, const char* prefix, size_t* n) {
  size_t i = 0;
  for (; prefix[i] != '\0'; ++i)
    if (s[i] != prefix[i]) return false;
  *n = i;
  return true;
}

}  // namespace

bool ParseServerUrl(const char* url, ServerUrl* out) {
  *out = ServerUrl{};
  if (url == nullptr) return false;
  size_t i = 0;
  if (StartsWith(url, "https://", &i)) {
    out->https = true;
    out->port = 443;
  } else if (StartsWith(url, "http://", &i)) {
    out->port = 80;
  } else {
    return false;
  }
  size_t h = 0;
  for (; url[i] != '\0' && url[i] != ':' && url[i] != '/'; ++i) {
    const char c = url[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.' || c == '_';
    if (!ok || h == kMaxHostLen) return false;
    out->host[h++] = c;
  }
  if (h == 0) return false;
  if (url[i] == ':') {
    ++i;
    uint32_t port = 0;
    size_t digits = 0;
    for (; url[i] >= '0' && url[i] <= '9'; ++i, ++digits) {
      port = port * 10 + static_cast<uint32_t>(url[i] - '0');
      if (port > 65535) return false;
    }
    if (digits == 0 || port == 0) return false;
    out->port = static_cast<uint16_t>(port);
  }
  if (url[i] != '\0' && url[i] != '/') return false;
  size_t p = 0;
  for (; url[i] != '\0'; ++i) {
    const char c = url[i];
    if (c == '?' || c == '#' || c <= ' ' || p == kMaxPathLen) return false;
    out->path[p++] = c;
  }
  while (p > 0 && out->path[p - 1] == '/') --p;  // "http://h/" and "http://h/base/" join cleanly
  for (const char* s = kMoodPath; *s != '\0'; ++s) {
    if (p == kMaxPathLen) return false;
    out->path[p++] = *s;
  }
  out->path[p] = '\0';
  return true;
}

}  // namespace moodtune::device
