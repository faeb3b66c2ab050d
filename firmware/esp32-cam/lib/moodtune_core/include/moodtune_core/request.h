// Builds the upload request for `POST /v1/device/mood`: the JPEG as a raw image/jpeg body or
// wrapped in multipart/form-data. The JPEG is never copied: a request is head + JPEG + tail,
// which the HTTP adapter sends back to back (Content-Length = content_length()).
// Thread-safety: a RequestBuilder is not synchronised; one per device.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "moodtune/device_protocol.h"

namespace moodtune::device {

enum class UploadEncoding : uint8_t { kRawJpeg = 0, kMultipart = 1 };

// Views into a RequestBuilder's buffers and the caller's JPEG; valid until the next Build().
struct UploadRequest {
  const char* content_type = "";  // header value
  const char* device_id = "";     // X-Device-Id value; "" = send no header
  const char* authorization = ""; // Authorization value ("Bearer <key>"); "" = send no header
  const char* head = "";          // bytes before the JPEG ("" for raw)
  size_t head_len = 0;
  const uint8_t* jpeg = nullptr;
  size_t jpeg_len = 0;
  const char* tail = "";          // bytes after the JPEG ("" for raw)
  size_t tail_len = 0;
  size_t content_length() const { return head_len + jpeg_len + tail_len; }
};

// True for 1..kMaxDeviceIdLen printable ASCII characters without spaces.
bool IsValidDeviceId(const char* id);
// True for 1..kMaxApiKeyLen printable ASCII characters without spaces (so a key can never
// smuggle a second header line).
bool IsValidApiKey(const char* key);

// Part name and file name used in multipart bodies.
inline constexpr const char* kMultipartField = "image";
inline constexpr const char* kMultipartFilename = "capture.jpg";
inline constexpr size_t kBoundaryLen = 28;  // "moodtune-" + 19 chars

class RequestBuilder {
 public:
  // Fills *out for `jpeg` (borrowed; must outlive *out). `device_id` and `api_key` may be
  // null or "" (no header); a key becomes `Authorization: Bearer <key>`. `random` seeds the
  // multipart boundary; a boundary that occurs inside the JPEG is re-drawn. Returns false for
  // an empty JPEG or an invalid non-empty device id or API key.
  bool Build(UploadEncoding encoding, const uint8_t* jpeg, size_t jpeg_len,
             const char* device_id, const char* api_key, uint32_t random, UploadRequest* out);

  const char* boundary() const { return boundary_; }

 private:
  char boundary_[kBoundaryLen + 1] = {};
  char content_type_[64] = {};
  char head_[160] = {};
  char tail_[kBoundaryLen + 10] = {};
  char device_id_[kMaxDeviceIdLen + 1] = {};
  char authorization_[7 + kMaxApiKeyLen + 1] = {};  // "Bearer " + key + NUL
};

// True when `needle` (n bytes) occurs in `hay` (len bytes). Exposed for tests.
bool Contains(const uint8_t* hay, size_t len, const char* needle, size_t n);

}  // namespace moodtune::device
