// libFuzzer target: DecodeImage must turn any bytes into an image or a Status, never read
// outside them, and never hand back more pixels than DecodeOptions::max_pixels allows (the
// header probe is what stops decompression bombs, so the decoded size must agree with it).
// The EXIF orientation parser (src/vision/exif.h) runs on the same bytes, as a JPEG stream
// and as an APP1 payload: always 1..8, never a read outside them.
#include <cstdint>
#include <cstdlib>
#include <span>

#include "exif.h"
#include "moodtune/vision.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  for (int o : {moodtune::JpegExifOrientation(bytes), moodtune::ParseExifOrientation(bytes)}) {
    if (o < 1 || o > 8) std::abort();
  }
  moodtune::DecodeOptions opts;
  opts.max_pixels = 1 << 20;  // small, so the fuzzer's 2 GB RSS limit is never the finding
  auto img = moodtune::DecodeImage(bytes, opts);
  if (!img.ok()) return 0;
  if (img->empty() || img->type() != CV_8UC3) std::abort();
  if (static_cast<std::int64_t>(img->total()) > opts.max_pixels) std::abort();
  return 0;
}
