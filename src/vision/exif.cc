#include "exif.h"

#include <cstring>

namespace moodtune {
namespace {

using Bytes = std::span<const std::uint8_t>;

constexpr std::uint16_t kOrientationTag = 0x0112;
constexpr std::uint16_t kTypeShort = 3;

// Reads in the TIFF header's byte order; callers check bounds first.
struct Reader {
  Bytes b;
  bool little;
  std::uint32_t U16(std::size_t i) const {
    return little ? b[i] | (b[i + 1] << 8) : (b[i] << 8) | b[i + 1];
  }
  std::uint32_t U32(std::size_t i) const {
    return little ? U16(i) | (U16(i + 2) << 16) : (U16(i) << 16) | U16(i + 2);
  }
};

}  // namespace

int ParseExifOrientation(Bytes app1) {
  if (app1.size() < 6 || std::memcmp(app1.data(), "Exif\0\0", 6) != 0) return 1;
  const Bytes tiff = app1.subspan(6);
  if (tiff.size() < 8) return 1;
  Reader r{tiff, false};
  if (tiff[0] == 'I' && tiff[1] == 'I') {
    r.little = true;
  } else if (!(tiff[0] == 'M' && tiff[1] == 'M')) {
    return 1;
  }
  if (r.U16(2) != 42) return 1;
  // 64-bit arithmetic throughout: offsets are 32-bit and untrusted.
  const std::uint64_t ifd = r.U32(4);
  if (ifd + 2 > tiff.size()) return 1;
  const std::uint64_t entries = r.U16(static_cast<std::size_t>(ifd));
  for (std::uint64_t k = 0; k < entries; ++k) {
    const std::uint64_t at = ifd + 2 + 12 * k;
    if (at + 12 > tiff.size()) return 1;  // truncated IFD
    const auto e = static_cast<std::size_t>(at);
    if (r.U16(e) != kOrientationTag) continue;
    // SHORT, count >= 1: the value sits in the first two bytes of the value field.
    if (r.U16(e + 2) != kTypeShort || r.U32(e + 4) < 1) return 1;
    const int v = static_cast<int>(r.U16(e + 8));
    return v >= 1 && v <= 8 ? v : 1;
  }
  return 1;
}

int JpegExifOrientation(Bytes jpeg) {
  if (jpeg.size() < 4 || jpeg[0] != 0xFF || jpeg[1] != 0xD8) return 1;
  std::size_t i = 2;
  while (i + 1 < jpeg.size()) {
    if (jpeg[i] != 0xFF) return 1;  // segments follow each other directly before the scan
    const std::uint8_t m = jpeg[i + 1];
    if (m == 0xFF) {  // fill byte
      ++i;
      continue;
    }
    i += 2;
    if (m == 0xDA || m == 0xD9) return 1;                 // scan or end: no EXIF before it
    if (m == 0x01 || (m >= 0xD0 && m <= 0xD7)) continue;  // no length
    if (i + 2 > jpeg.size()) return 1;
    const std::size_t len = (jpeg[i] << 8) | jpeg[i + 1];
    if (len < 2 || i + len > jpeg.size()) return 1;
    if (m == 0xE1) {
      const Bytes payload = jpeg.subspan(i + 2, len - 2);
      if (payload.size() >= 6 && std::memcmp(payload.data(), "Exif\0\0", 6) == 0) {
        return ParseExifOrientation(payload);
      }
    }
    i += len;
  }
  return 1;
}

cv::Mat ApplyExifOrientation(const cv::Mat& img, int orientation) {
  cv::Mat out;
  switch (orientation) {
    case 2:
      cv::flip(img, out, 1);
      break;
    case 3:
      cv::rotate(img, out, cv::ROTATE_180);
      break;
    case 4:
      cv::flip(img, out, 0);
      break;
    case 5:
      cv::transpose(img, out);
      break;
    case 6:
      cv::rotate(img, out, cv::ROTATE_90_CLOCKWISE);
      break;
    case 7:
      cv::transpose(img, out);
      cv::flip(out, out, -1);
      break;
    case 8:
      cv::rotate(img, out, cv::ROTATE_90_COUNTERCLOCKWISE);
      break;
    default:
      return img;
  }
  return out;
}

}  // namespace moodtune
