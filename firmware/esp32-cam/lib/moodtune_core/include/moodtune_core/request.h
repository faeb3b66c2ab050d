// Builds the upload request for `POST /v1/device/mood`: the JPEG as a raw image/jpeg body or
// wrapped in multipart/form-data. The JPEG is never copied: a request is head + JPEG + tail,
// which the HTTP adapter sends back to back (Content-Length = content_length()).
// Thread-safety: a RequestBuilder is not synchronised; one per device.
#pragma once

#include <cstddef>
#include <cstdint>

#include "moodtune/device_protocol.h"

namespace moodtune::device {

enum class UploadEncoding : std::uint8_t { kRawJpeg = 0, kMultipart = 1 };

// Views into a RequestBuilder's buffers and the caller's JPEG; valid until the next Build().
struct UploadRequest {
  const char* content_type = "";  // header value
  const char* device_id = "";     // X-Device-Id value; "" = send no header
  const char* head = "";          // bytes before the JPEG ("" for raw)
  std::size_t head_len = 0;
  const std::uint8_t* jpeg = nullptr;
  std::size_t jpeg_len = 0;
  const char* tail = "";          // bytes after the JPEG ("" for raw)
  std::size_t tail_len = 0;
  std::size_t content_length() const { return head_len + jpeg_len + tail_len; }
};

// True for 1..kMaxDeviceIdLen printable ASCII characters without spaces.
bool IsValidDeviceId(const char* id);

// Part name and file name used in multipart bodies.
inline constexpr const char* kMultipartField = "image";
inline constexpr const char* kMultipartFilename = "capture.jpg";
inline constexpr std::size_t kBoundaryLen = 28;  // "moodtune-" + 19 chars

class RequestBuilder {
 public:
  // Fills *out for `jpeg` (borrowed; must outlive *out). `device_id` may be null or "" (no
  // header). `random` seeds the multipart boundary; a boundary that occurs inside the JPEG
  // is re-drawn. Returns false for an empty JPEG or an invalid non-empty device id.
  bool Build(UploadEncoding encoding, const std::uint8_t* jpeg, std::size_t jpeg_len,
             const char* device_id, std::uint32_t random, UploadRequest* out);

  const char* boundary() const { return boundary_; }

 private:
  char boundary_[kBoundaryLen + 1] = {};
  char content_type_[64] = {};
  char head_[160] = {};
  char tail_[kBoundaryLen + 10] = {};
  char device_id_[kMaxDeviceIdLen + 1] = {};
};

// True when `needle` (n bytes) occurs in `hay` (len bytes). Exposed for tests.
bool Contains(const std::uint8_t* hay, std::size_t len, const char* needle, std::size_t n);

}  // namespace moodtune::device
