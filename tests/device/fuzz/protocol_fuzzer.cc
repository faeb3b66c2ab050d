// libFuzzer target: the device protocol parser must accept or reject any bytes without
// reading outside them, and every accepted answer must survive an encode/parse round trip.
#include <cstdlib>
#include <cstring>

#include "moodtune/device_protocol.h"

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  using namespace moodtune::device;
  MoodAnswer a;
  if (ParseMoodAnswer(reinterpret_cast<const char*>(data), size, &a) != ParseError::kOk) return 0;
  char buf[kMaxAnswerBytes];
  const std::size_t n = EncodeMoodAnswer(a, buf, sizeof(buf));
  if (n == 0) std::abort();
  MoodAnswer b;
  if (ParseMoodAnswer(buf, n, &b) != ParseError::kOk) std::abort();
  if (b.status != a.status || std::strcmp(a.title, b.title) != 0 ||
      std::strcmp(a.url, b.url) != 0 || b.has_rgb != a.has_rgb)
    std::abort();
  return 0;
}
