#include "image_header.h"

#include <cstring>
#include <string>

namespace moodtune {
namespace {

using Bytes = std::span<const std::uint8_t>;

std::uint32_t Be16(Bytes b, std::size_t i) { return (b[i] << 8) | b[i + 1]; }
std::uint32_t Be32(Bytes b, std::size_t i) {
  return (std::uint32_t{b[i]} << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3];
}
std::uint32_t Le16(Bytes b, std::size_t i) { return b[i] | (b[i + 1] << 8); }
std::uint32_t Le24(Bytes b, std::size_t i) { return b[i] | (b[i + 1] << 8) | (b[i + 2] << 16); }
std::uint32_t Le32(Bytes b, std::size_t i) {
  return b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (std::uint32_t{b[i + 3]} << 24);
}
bool StartsWith(Bytes b, std::size_t at, const char* magic, std::size_t n) {
  return b.size() >= at + n && std::memcmp(b.data() + at, magic, n) == 0;
}

bool IsSof(std::uint8_t m) {
  // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).
  return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
}

// Walks the marker segments, through entropy-coded scans, to EOI. A stream that ends
// before EOI is reported as incomplete rather than an error: libjpeg would "succeed" on it
// with grey fill, so the caller decides.
Result<ImageHeader> ProbeJpeg(Bytes b) {
  ImageHeader h{ImageFormat::kJpeg};
  bool have_size = false;
  std::size_t i = 2;
  while (i + 1 < b.size()) {
    if (b[i] != 0xFF) { ++i; continue; }  // extraneous bytes: libjpeg skips them too
    std::uint8_t m = b[i + 1];
    if (m == 0xFF) { ++i; continue; }  // fill byte
    i += 2;
    if (m == 0xD9) { h.complete = true; break; }
    if (m == 0x01 || (m >= 0xD0 && m <= 0xD7)) continue;  // no length
    if (i + 2 > b.size()) break;
    std::uint32_t len = Be16(b, i);
    if (len < 2) return Status::InvalidArgument("corrupt JPEG: bad segment length");
    if (IsSof(m) && !have_size) {
      if (i + 7 > b.size()) break;
      h.height = Be16(b, i + 3);
      h.width = Be16(b, i + 5);
      have_size = true;
    }
    i += len;
    if (m == 0xDA) {  // start of scan: skip entropy-coded data up to the next real marker
      while (i + 1 < b.size()) {
        if (b[i] == 0xFF && b[i + 1] != 0x00 && b[i + 1] != 0xFF &&
            !(b[i + 1] >= 0xD0 && b[i + 1] <= 0xD7)) {
          break;
        }
        ++i;
      }
    }
  }
  if (!have_size) return Status::InvalidArgument("corrupt or truncated JPEG: no frame header");
  return h;
}

Result<ImageHeader> ProbePng(Bytes b) {
  ImageHeader h{ImageFormat::kPng};
  if (b.size() < 24 || !StartsWith(b, 12, "IHDR", 4)) {
    return Status::InvalidArgument("corrupt PNG: no IHDR");
  }
  h.width = Be32(b, 16);
  h.height = Be32(b, 20);
  // Chunk walk to IEND: length(4) type(4) data(length) crc(4).
  std::size_t i = 8;
  while (i + 8 <= b.size()) {
    std::uint64_t len = Be32(b, i);
    if (StartsWith(b, i + 4, "IEND", 4)) { h.complete = true; break; }
    i += 12 + len;
  }
  return h;
}

Result<ImageHeader> ProbeBmp(Bytes b) {
  ImageHeader h{ImageFormat::kBmp, 0, 0, true};
  if (b.size() < 26) return Status::InvalidArgument("corrupt BMP: short header");
  std::uint32_t dib = Le32(b, 14);
  if (dib == 12) {  // BITMAPCOREHEADER: 16-bit sizes
    h.width = Le16(b, 18);
    h.height = Le16(b, 20);
  } else {
    h.width = static_cast<std::int32_t>(Le32(b, 18));
    h.height = static_cast<std::int32_t>(Le32(b, 22));
    if (h.height < 0) h.height = -h.height;  // top-down bitmap
  }
  if (h.width < 0) return Status::InvalidArgument("corrupt BMP: negative width");
  return h;
}

Result<ImageHeader> ProbeWebp(Bytes b) {
  ImageHeader h{ImageFormat::kWebp, 0, 0, true};
  if (b.size() < 30) return Status::InvalidArgument("corrupt WebP: short header");
  if (StartsWith(b, 12, "VP8 ", 4)) {  // lossy: frame tag(3) start code(3) w(2) h(2), 14 bits
    h.width = Le16(b, 26) & 0x3FFF;
    h.height = Le16(b, 28) & 0x3FFF;
  } else if (StartsWith(b, 12, "VP8L", 4)) {  // lossless: 0x2f then 14-bit w-1, h-1
    std::uint32_t v = Le32(b, 21);
    h.width = (v & 0x3FFF) + 1;
    h.height = ((v >> 14) & 0x3FFF) + 1;
  } else if (StartsWith(b, 12, "VP8X", 4)) {  // extended: 24-bit canvas w-1, h-1
    h.width = Le24(b, 24) + 1;
    h.height = Le24(b, 27) + 1;
  } else {
    return Status::InvalidArgument("corrupt WebP: unknown chunk");
  }
  return h;
}

}  // namespace

Result<ImageHeader> ProbeImageHeader(Bytes b) {
  if (b.empty()) return Status::InvalidArgument("empty input (0 bytes)");
  Result<ImageHeader> h = Status::InvalidArgument("not a JPEG, PNG, BMP or WebP image");
  if (b.size() >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF) {
    h = ProbeJpeg(b);
  } else if (StartsWith(b, 0, "\x89PNG\r\n\x1a\n", 8)) {
    h = ProbePng(b);
  } else if (StartsWith(b, 0, "BM", 2)) {
    h = ProbeBmp(b);
  } else if (StartsWith(b, 0, "RIFF", 4) && StartsWith(b, 8, "WEBP", 4)) {
    h = ProbeWebp(b);
  }
  if (h.ok() && (h->width <= 0 || h->height <= 0)) {
    return Status::InvalidArgument("image header has zero size");
  }
  return h;
}

}  // namespace moodtune
