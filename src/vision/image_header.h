// Reads an encoded image's format and dimensions from its header, without decoding pixels,
// so that decompression bombs are refused before any allocation; also tells whether the
// stream is complete (a JPEG reaches its EOI marker, a PNG its IEND chunk).
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <span>

#include "moodtune/status.h"

namespace moodtune {

enum class ImageFormat { kJpeg, kPng, kBmp, kWebp };

struct ImageHeader {
  ImageFormat format = ImageFormat::kJpeg;
  std::int64_t width = 0;   // pixels, as stored (before any EXIF rotation)
  std::int64_t height = 0;  // pixels, as stored
  bool complete = false;    // the stream reaches its end marker (JPEG EOI / PNG IEND)
};

// Identifies JPEG/PNG/BMP/WebP by magic bytes and reads width/height.
// InvalidArgument for empty, unknown or malformed headers. Never reads past `bytes`.
Result<ImageHeader> ProbeImageHeader(std::span<const std::uint8_t> bytes);

}  // namespace moodtune
