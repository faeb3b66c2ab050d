// libFuzzer target: DecodeImage must turn any bytes into an image or a Status, never read
// outside them, and never hand back more pixels than DecodeOptions::max_pixels allows (the
// header probe is what stops decompression bombs, so the decoded size must agree with it).
#include <cstdint>
#include <cstdlib>
#include <span>

#include "moodtune/vision.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  moodtune::DecodeOptions opts;
  opts.max_pixels = 1 << 20;  // small, so the fuzzer's 2 GB RSS limit is never the finding
  auto img = moodtune::DecodeImage(std::span<const std::uint8_t>(data, size), opts);
  if (!img.ok()) return 0;
  if (img->empty() || img->type() != CV_8UC3) std::abort();
  if (static_cast<std::int64_t>(img->total()) > opts.max_pixels) std::abort();
  return 0;
}
