#include "moodtune_core/request.h"

#include <string.h>

namespace moodtune::device {
namespace {

uint32_t XorShift(uint32_t* s) {
  uint32_t x = *s ? *s : 0x9E3779B9u;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  *s = x;
  return x;
}

// Appends `s` to buf (cap includes the NUL); false when it does not fit.
bool Append(char* buf, size_t cap, size_t* pos, const char* s) {
  const size_t n = strlen(s);
  if (*pos + n + 1 > cap) return false;
  memcpy(buf + *pos, s, n);
  *pos += n;
  buf[*pos] = '\0';
  return true;
}

// 1..max printable ASCII characters, no spaces or control characters.
bool IsToken(const char* s, size_t max) {
  if (s == nullptr) return false;
  size_t n = 0;
  for (; s[n] != '\0'; ++n) {
    if (n == max) return false;
    if (s[n] <= ' ' || s[n] > '~') return false;
  }
  return n > 0;
}

}  // namespace

bool IsValidDeviceId(const char* id) { return IsToken(id, kMaxDeviceIdLen); }
bool IsValidApiKey(const char* key) { return IsToken(key, kMaxApiKeyLen); }

bool Contains(const uint8_t* hay, size_t len, const char* needle, size_t n) {
  if (n == 0) return true;
  if (hay == nullptr || len < n) return false;
  for (size_t i = 0; i + n <= len; ++i)
    if (hay[i] == static_cast<uint8_t>(needle[0]) && memcmp(hay + i, needle, n) == 0)
      return true;
  return false;
}

bool RequestBuilder::Build(UploadEncoding encoding, const uint8_t* jpeg, size_t jpeg_len,
                           const char* device_id, const char* api_key, uint32_t random,
                           UploadRequest* out) {
  *out = UploadRequest{};
  if (jpeg == nullptr || jpeg_len == 0) return false;
  device_id_[0] = '\0';
  if (device_id != nullptr && device_id[0] != '\0') {
    if (!IsValidDeviceId(device_id)) return false;
    strcpy(device_id_, device_id);  // length checked above
  }
  authorization_[0] = '\0';
  if (api_key != nullptr && api_key[0] != '\0') {
    if (!IsValidApiKey(api_key)) return false;
    size_t p = 0;
    Append(authorization_, sizeof(authorization_), &p, "Bearer ");
    Append(authorization_, sizeof(authorization_), &p, api_key);  // fits: length checked above
  }
  out->device_id = device_id_;
  out->authorization = authorization_;
  out->jpeg = jpeg;
  out->jpeg_len = jpeg_len;
  if (encoding == UploadEncoding::kRawJpeg) {
    out->content_type = "image/jpeg";
    return true;
  }
  static const char kAlphabet[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  uint32_t state = random;
  // A boundary must not occur in the body; 19 random chars make a clash astronomically rare,
  // but a JPEG is binary, so check and re-draw rather than hope.
  for (int tries = 0; tries < 8; ++tries) {
    memcpy(boundary_, "moodtune-", 9);
    for (size_t i = 9; i < kBoundaryLen; ++i)
      boundary_[i] = kAlphabet[XorShift(&state) % (sizeof(kAlphabet) - 1)];
    boundary_[kBoundaryLen] = '\0';
    if (!Contains(jpeg, jpeg_len, boundary_, kBoundaryLen)) break;
    if (tries == 7) return false;
  }
  size_t p = 0;
  bool ok = Append(content_type_, sizeof(content_type_), &p, "multipart/form-data; boundary=") &&
            Append(content_type_, sizeof(content_type_), &p, boundary_);
  p = 0;
  ok = ok && Append(head_, sizeof(head_), &p, "--") && Append(head_, sizeof(head_), &p, boundary_) &&
       Append(head_, sizeof(head_), &p, "\r\nContent-Disposition: form-data; name=\"") &&
       Append(head_, sizeof(head_), &p, kMultipartField) &&
       Append(head_, sizeof(head_), &p, "\"; filename=\"") &&
       Append(head_, sizeof(head_), &p, kMultipartFilename) &&
       Append(head_, sizeof(head_), &p, "\"\r\nContent-Type: image/jpeg\r\n\r\n");
  out->head_len = p;
  p = 0;
  ok = ok && Append(tail_, sizeof(tail_), &p, "\r\n--") &&
       Append(tail_, sizeof(tail_), &p, boundary_) && Append(tail_, sizeof(tail_), &p, "--\r\n");
  out->tail_len = p;
  if (!ok) {
    *out = UploadRequest{};
    return false;
  }
  out->content_type = content_type_;
  out->head = head_;
  out->tail = tail_;
  return true;
}

}  // namespace moodtune::device
