// The device protocol: what `POST /v1/device/mood` answers to a camera device, shared by the
// service (encoder) and the ESP32-CAM firmware core (parser). This is the one header the
// firmware shares with the service (STYLE rule 15), so it is self-contained, header-only and
// C++17 (the ESP32 Arduino toolchain is GCC 8): fixed-width ints, no STL in the wire struct,
// no allocation, no exceptions, no RTTI. Only C headers (<stdint.h>, <stddef.h>): the Xtensa
// cross-compiler with picolibc (firmware/esp32-cam/scripts/cross_build.sh) ships no C++
// standard library headers, so the types are the global uint8_t/size_t, not std::.
// Thread-safety: pure functions on caller-owned buffers; safe from any thread.
//
// Request (documented here; the service implements it):
//   POST /v1/device/mood
//   Content-Type: image/jpeg              the JPEG as the raw body, or
//   Content-Type: multipart/form-data     one part named "image" holding the JPEG
//   X-Device-Id: <id>                     optional, <= kMaxDeviceIdLen printable ASCII
//   Authorization: Bearer <key>           optional API key (when the service requires one),
//                                         <= kMaxApiKeyLen printable ASCII without spaces
//
// Answer (any HTTP status; the body is always this format, Content-Type: text/plain):
//   v=1                      first line, always; the protocol version (kProtocolVersion)
//   status=ok                ok | no_face | error
//   emotion=happy            one of the 7 class names below (required when status=ok)
//   confidence=0.930         0..1, at most 3 decimals kept (required when status=ok)
//   rgb=255,200,0            optional LED colour 0..255 each; absent -> device palette
//   title=...                optional track title   (<= kMaxTitleLen bytes, longer is cut)
//   artist=...               optional track artists (<= kMaxArtistLen bytes, longer is cut)
//   url=...                  optional track URL     (<= kMaxUrlLen bytes, longer is cut)
//   error=...                optional message for status=no_face|error (<= kMaxErrorLen)
// Rules: one `key=value` per line, lines end in "\n" ("\r\n" accepted); keys are lowercase
// ASCII; values are UTF-8 without control characters; cutting keeps whole UTF-8 characters;
// unknown keys are ignored (so v1 can grow); a key given twice is an error; the whole body is
// at most kMaxAnswerBytes. A different `v=` is rejected (kUnsupportedVersion).
//
// Retries (what the device does with the HTTP status, IsPermanentHttpStatus below): 2xx with
// status=ok is shown; status=no_face is shown and not retried; a permanent refusal (400, 401,
// 403, 404, 413, 415, 422) is shown and not retried; anything else (5xx, 429, no connection,
// a body that does not parse) is retried with backoff. On 429 and 503 the device waits at least
// `Retry-After: <seconds>` (delta-seconds only; the device has no wall clock for HTTP-dates),
// capped by its own limit.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace moodtune::device {

inline constexpr uint8_t kProtocolVersion = 1;
inline constexpr size_t kMaxAnswerBytes = 1024;  // whole body, bytes
inline constexpr size_t kMaxTitleLen = 96;       // bytes, without the NUL
inline constexpr size_t kMaxArtistLen = 64;
inline constexpr size_t kMaxUrlLen = 160;
inline constexpr size_t kMaxErrorLen = 64;
inline constexpr size_t kMaxDeviceIdLen = 32;
inline constexpr const char* kMoodPath = "/v1/device/mood";
inline constexpr const char* kDeviceIdHeader = "X-Device-Id";
inline constexpr size_t kMaxApiKeyLen = 128;  // bytes, without the NUL
inline constexpr const char* kAuthorizationHeader = "Authorization";
inline constexpr const char* kRetryAfterHeader = "Retry-After";

// True for the HTTP statuses a device must not retry (the request itself is refused: bad
// request, missing/wrong API key, forbidden, wrong path, too large, wrong media type,
// unprocessable). 429 and 5xx are transient and not listed.
inline constexpr bool IsPermanentHttpStatus(uint16_t http_status) {
  return http_status == 400 || http_status == 401 || http_status == 403 || http_status == 404 ||
         http_status == 413 || http_status == 415 || http_status == 422;
}

// Same order as moodtune::Emotion (include/moodtune/emotion.h); a host test checks it.
enum class WireEmotion : uint8_t {
  kAngry = 0, kDisgust, kFear, kHappy, kSad, kSurprise, kNeutral
};
inline constexpr uint8_t kNumWireEmotions = 7;

enum class AnswerStatus : uint8_t { kOk = 0, kNoFace = 1, kError = 2 };

struct Rgb {
  uint8_t r = 0, g = 0, b = 0;
};
inline constexpr bool operator==(Rgb a, Rgb b) { return a.r == b.r && a.g == b.g && a.b == b.b; }
inline constexpr bool operator!=(Rgb a, Rgb b) { return !(a == b); }

// The device palette: the colour for an emotion when the answer carries no `rgb=`. Part of
// the contract, so the service (which sends `rgb=`) and the firmware (which falls back to it)
// read the same table: angry red, disgust green, fear purple, happy warm yellow, sad blue,
// surprise cyan, neutral soft white.
inline constexpr Rgb EmotionColor(WireEmotion e) {
  switch (e) {
    case WireEmotion::kAngry: return {255, 0, 0};
    case WireEmotion::kDisgust: return {60, 200, 0};
    case WireEmotion::kFear: return {140, 0, 255};
    case WireEmotion::kHappy: return {255, 200, 0};
    case WireEmotion::kSad: return {0, 60, 255};
    case WireEmotion::kSurprise: return {0, 220, 220};
    case WireEmotion::kNeutral: return {180, 180, 160};
  }
  return {180, 180, 160};
}

// The decoded answer. Strings are NUL-terminated and always valid (empty when absent).
struct MoodAnswer {
  uint8_t version = kProtocolVersion;
  AnswerStatus status = AnswerStatus::kError;
  WireEmotion emotion = WireEmotion::kNeutral;
  uint16_t confidence_milli = 0;  // confidence x 1000, 0..1000
  uint8_t has_rgb = 0;            // 1 when `rgb=` was given
  Rgb rgb;
  char title[kMaxTitleLen + 1] = {};
  char artist[kMaxArtistLen + 1] = {};
  char url[kMaxUrlLen + 1] = {};
  char error[kMaxErrorLen + 1] = {};
};

enum class ParseError : uint8_t {
  kOk = 0,
  kTooLong,             // body longer than kMaxAnswerBytes
  kNoVersion,           // first line is not `v=<n>`
  kUnsupportedVersion,  // `v=` is not kProtocolVersion
  kBadLine,             // a line without '=', an empty or non-lowercase key, a control char
  kBadValue,            // a value that does not parse (status, emotion, confidence, rgb)
  kDuplicateKey,        // a known key given twice
  kMissingField,        // status missing, or status=ok without emotion/confidence
};

// Lowercase names: "angry", "disgust", "fear", "happy", "sad", "surprise", "neutral".
inline const char* WireEmotionName(WireEmotion e) {
  static const char* const kNames[kNumWireEmotions] = {"angry", "disgust",  "fear",   "happy",
                                                       "sad",   "surprise", "neutral"};
  const auto i = static_cast<uint8_t>(e);
  return i < kNumWireEmotions ? kNames[i] : "neutral";
}

inline const char* AnswerStatusName(AnswerStatus s) {
  switch (s) {
    case AnswerStatus::kOk: return "ok";
    case AnswerStatus::kNoFace: return "no_face";
    default: return "error";
  }
}

inline const char* ParseErrorName(ParseError e) {
  switch (e) {
    case ParseError::kOk: return "ok";
    case ParseError::kTooLong: return "answer too long";
    case ParseError::kNoVersion: return "missing v= line";
    case ParseError::kUnsupportedVersion: return "unsupported protocol version";
    case ParseError::kBadLine: return "malformed line";
    case ParseError::kBadValue: return "malformed value";
    case ParseError::kDuplicateKey: return "duplicate key";
    case ParseError::kMissingField: return "missing field";
  }
  return "unknown";
}

namespace detail {

// A (pointer, length) view; the header avoids <string_view> so older firmware toolchains and
// the no-STL rule for wire code both hold.
struct Span {
  const char* p;
  size_t n;
};

inline bool Equals(Span s, const char* lit) {
  size_t i = 0;
  for (; i < s.n; ++i)
    if (lit[i] == '\0' || lit[i] != s.p[i]) return false;
  return lit[i] == '\0';
}

// Copies at most `cap` bytes of `v` into `dst` (cap + 1 bytes), never splitting a UTF-8
// sequence, and NUL-terminates.
inline void CopyCut(Span v, char* dst, size_t cap) {
  size_t n = v.n < cap ? v.n : cap;
  if (n < v.n) {
    // Step back over continuation bytes so the cut falls on a character boundary.
    while (n > 0 && (static_cast<unsigned char>(v.p[n]) & 0xC0) == 0x80) --n;
  }
  for (size_t i = 0; i < n; ++i) dst[i] = v.p[i];
  dst[n] = '\0';
}

// Parses an unsigned decimal in [0, max]; false on empty, non-digits or overflow.
inline bool ParseUint(Span v, uint32_t max, uint32_t* out) {
  if (v.n == 0 || v.n > 9) return false;
  uint32_t x = 0;
  for (size_t i = 0; i < v.n; ++i) {
    if (v.p[i] < '0' || v.p[i] > '9') return false;
    x = x * 10 + static_cast<uint32_t>(v.p[i] - '0');
  }
  if (x > max) return false;
  *out = x;
  return true;
}

// "0", "1", "0.93", "1.000", ".5" -> milli; digits after the third decimal are dropped.
inline bool ParseConfidence(Span v, uint16_t* out) {
  size_t i = 0;
  uint32_t whole = 0;
  size_t whole_digits = 0;
  while (i < v.n && v.p[i] >= '0' && v.p[i] <= '9') {
    if (++whole_digits > 3) return false;
    whole = whole * 10 + static_cast<uint32_t>(v.p[i] - '0');
    ++i;
  }
  uint32_t frac = 0;
  size_t frac_digits = 0;
  if (i < v.n && v.p[i] == '.') {
    ++i;
    size_t start = i;
    while (i < v.n && v.p[i] >= '0' && v.p[i] <= '9') {
      if (frac_digits < 3) {
        frac = frac * 10 + static_cast<uint32_t>(v.p[i] - '0');
        ++frac_digits;
      }
      ++i;
    }
    if (i == start) return false;  // "1." has no digits after the point
  }
  if (i != v.n || (whole_digits == 0 && frac_digits == 0)) return false;
  while (frac_digits < 3) {
    frac *= 10;
    ++frac_digits;
  }
  const uint32_t milli = whole * 1000 + frac;
  if (milli > 1000) return false;
  *out = static_cast<uint16_t>(milli);
  return true;
}

inline bool ParseRgb(Span v, Rgb* out) {
  uint32_t c[3] = {0, 0, 0};
  size_t start = 0;
  for (int k = 0; k < 3; ++k) {
    size_t end = start;
    while (end < v.n && v.p[end] != ',') ++end;
    if ((k < 2) != (end < v.n)) return false;  // exactly two commas
    if (!ParseUint(Span{v.p + start, end - start}, 255, &c[k])) return false;
    start = end + 1;
  }
  out->r = static_cast<uint8_t>(c[0]);
  out->g = static_cast<uint8_t>(c[1]);
  out->b = static_cast<uint8_t>(c[2]);
  return true;
}

// Writes text into buf[pos..cap); returns false when it does not fit.
inline bool Put(char* buf, size_t cap, size_t* pos, const char* s, size_t n) {
  if (n > cap - *pos) return false;
  for (size_t i = 0; i < n; ++i) buf[(*pos)++] = s[i];
  return true;
}
inline bool PutStr(char* buf, size_t cap, size_t* pos, const char* s) {
  size_t n = 0;
  while (s[n] != '\0') ++n;
  return Put(buf, cap, pos, s, n);
}
inline bool PutUint(char* buf, size_t cap, size_t* pos, uint32_t v, int min_digits) {
  char tmp[10];
  int n = 0;
  do {
    tmp[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0 && n < 10);
  while (n < min_digits) tmp[n++] = '0';
  char out[10];
  for (int i = 0; i < n; ++i) out[i] = tmp[n - 1 - i];
  return Put(buf, cap, pos, out, static_cast<size_t>(n));
}
// Writes `key=value\n`, replacing control characters in the value with spaces (values are one
// line) and cutting it to `max_len` bytes on a UTF-8 boundary.
inline bool PutField(char* buf, size_t cap, size_t* pos, const char* key,
                     const char* value, size_t max_len) {
  size_t n = 0;  // bounded: the value arrays hold max_len + 1 bytes
  while (n <= max_len && value[n] != '\0') ++n;
  if (n > max_len) {
    n = max_len;
    while (n > 0 && (static_cast<unsigned char>(value[n]) & 0xC0) == 0x80) --n;
  }
  if (!PutStr(buf, cap, pos, key) || !Put(buf, cap, pos, "=", 1)) return false;
  for (size_t i = 0; i < n; ++i) {
    const unsigned char c = static_cast<unsigned char>(value[i]);
    const char safe = (c < 0x20 || c == 0x7F) ? ' ' : value[i];
    if (!Put(buf, cap, pos, &safe, 1)) return false;
  }
  return Put(buf, cap, pos, "\n", 1);
}

}  // namespace detail

// Parses an answer body of `len` bytes (need not be NUL-terminated). On kOk, *out holds the
// answer; on error, *out is reset to a default (status=error) answer. Never reads outside
// [data, data + len), never writes outside *out, allocates nothing.
inline ParseError ParseMoodAnswer(const char* data, size_t len, MoodAnswer* out) {
  *out = MoodAnswer{};
  if (len > kMaxAnswerBytes) return ParseError::kTooLong;
  if (data == nullptr) len = 0;
  enum : uint16_t {
    kSeenStatus = 1, kSeenEmotion = 2, kSeenConfidence = 4, kSeenRgb = 8,
    kSeenTitle = 16, kSeenArtist = 32, kSeenUrl = 64, kSeenError = 128,
  };
  uint16_t seen = 0;
  MoodAnswer a;
  bool first = true;
  size_t pos = 0;
  ParseError err = ParseError::kOk;
  while (pos < len && err == ParseError::kOk) {
    size_t end = pos;
    while (end < len && data[end] != '\n') ++end;
    detail::Span line{data + pos, end - pos};
    pos = end + 1;
    if (line.n > 0 && line.p[line.n - 1] == '\r') --line.n;
    if (line.n == 0) {
      if (first) { err = ParseError::kNoVersion; }
      continue;  // tolerate blank lines (e.g. a trailing one)
    }
    size_t eq = 0;
    while (eq < line.n && line.p[eq] != '=') ++eq;
    if (eq == line.n || eq == 0) {
      err = first ? ParseError::kNoVersion : ParseError::kBadLine;
      break;
    }
    const detail::Span key{line.p, eq};
    const detail::Span value{line.p + eq + 1, line.n - eq - 1};
    for (size_t i = 0; i < key.n; ++i) {
      const char c = key.p[i];
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) err = ParseError::kBadLine;
    }
    for (size_t i = 0; i < value.n; ++i) {
      const unsigned char c = static_cast<unsigned char>(value.p[i]);
      if (c < 0x20 || c == 0x7F) err = ParseError::kBadLine;
    }
    if (err != ParseError::kOk) break;
    if (first) {
      first = false;
      uint32_t v = 0;
      if (!detail::Equals(key, "v") || !detail::ParseUint(value, 255, &v)) {
        err = ParseError::kNoVersion;
      } else if (v != kProtocolVersion) {
        err = ParseError::kUnsupportedVersion;
      }
      a.version = static_cast<uint8_t>(v);
      continue;
    }
    auto mark = [&](uint16_t bit) {
      if (seen & bit) err = ParseError::kDuplicateKey;
      seen = static_cast<uint16_t>(seen | bit);
      return err == ParseError::kOk;
    };
    if (detail::Equals(key, "status")) {
      if (!mark(kSeenStatus)) break;
      if (detail::Equals(value, "ok")) a.status = AnswerStatus::kOk;
      else if (detail::Equals(value, "no_face")) a.status = AnswerStatus::kNoFace;
      else if (detail::Equals(value, "error")) a.status = AnswerStatus::kError;
      else err = ParseError::kBadValue;
    } else if (detail::Equals(key, "emotion")) {
      if (!mark(kSeenEmotion)) break;
      bool found = false;
      for (uint8_t i = 0; i < kNumWireEmotions && !found; ++i) {
        if (detail::Equals(value, WireEmotionName(static_cast<WireEmotion>(i)))) {
          a.emotion = static_cast<WireEmotion>(i);
          found = true;
        }
      }
      if (!found) err = ParseError::kBadValue;
    } else if (detail::Equals(key, "confidence")) {
      if (!mark(kSeenConfidence)) break;
      if (!detail::ParseConfidence(value, &a.confidence_milli)) err = ParseError::kBadValue;
    } else if (detail::Equals(key, "rgb")) {
      if (!mark(kSeenRgb)) break;
      if (!detail::ParseRgb(value, &a.rgb)) err = ParseError::kBadValue;
      a.has_rgb = 1;
    } else if (detail::Equals(key, "title")) {
      if (mark(kSeenTitle)) detail::CopyCut(value, a.title, kMaxTitleLen);
    } else if (detail::Equals(key, "artist")) {
      if (mark(kSeenArtist)) detail::CopyCut(value, a.artist, kMaxArtistLen);
    } else if (detail::Equals(key, "url")) {
      if (mark(kSeenUrl)) detail::CopyCut(value, a.url, kMaxUrlLen);
    } else if (detail::Equals(key, "error")) {
      if (mark(kSeenError)) detail::CopyCut(value, a.error, kMaxErrorLen);
    } else if (detail::Equals(key, "v")) {
      err = ParseError::kDuplicateKey;
    }
    // Other keys: ignored, so a v1 service may add fields without breaking old devices.
  }
  if (err == ParseError::kOk && first) err = ParseError::kNoVersion;
  if (err == ParseError::kOk && !(seen & kSeenStatus)) err = ParseError::kMissingField;
  if (err == ParseError::kOk && a.status == AnswerStatus::kOk &&
      (seen & (kSeenEmotion | kSeenConfidence)) != (kSeenEmotion | kSeenConfidence)) {
    err = ParseError::kMissingField;
  }
  if (err == ParseError::kOk) *out = a;
  return err;
}

// Encodes `a` into buf[0..cap) (no NUL added). Returns the byte count, or 0 when it does not
// fit (kMaxAnswerBytes always suffices). Fields follow the order documented above; rgb only
// when has_rgb; empty strings are left out; `version` is always written as kProtocolVersion.
inline size_t EncodeMoodAnswer(const MoodAnswer& a, char* buf, size_t cap) {
  size_t pos = 0;
  bool ok = detail::PutStr(buf, cap, &pos, "v=") &&
            detail::PutUint(buf, cap, &pos, kProtocolVersion, 1) &&
            detail::PutStr(buf, cap, &pos, "\nstatus=") &&
            detail::PutStr(buf, cap, &pos, AnswerStatusName(a.status)) &&
            detail::PutStr(buf, cap, &pos, "\n");
  if (ok && a.status == AnswerStatus::kOk) {
    const uint16_t c = a.confidence_milli > 1000 ? 1000 : a.confidence_milli;
    ok = detail::PutStr(buf, cap, &pos, "emotion=") &&
         detail::PutStr(buf, cap, &pos, WireEmotionName(a.emotion)) &&
         detail::PutStr(buf, cap, &pos, "\nconfidence=") &&
         detail::PutUint(buf, cap, &pos, c / 1000, 1) && detail::PutStr(buf, cap, &pos, ".") &&
         detail::PutUint(buf, cap, &pos, c % 1000, 3) && detail::PutStr(buf, cap, &pos, "\n");
  }
  if (ok && a.has_rgb) {
    ok = detail::PutStr(buf, cap, &pos, "rgb=") && detail::PutUint(buf, cap, &pos, a.rgb.r, 1) &&
         detail::PutStr(buf, cap, &pos, ",") && detail::PutUint(buf, cap, &pos, a.rgb.g, 1) &&
         detail::PutStr(buf, cap, &pos, ",") && detail::PutUint(buf, cap, &pos, a.rgb.b, 1) &&
         detail::PutStr(buf, cap, &pos, "\n");
  }
  struct Text {
    const char* key;
    const char* value;
    size_t max;
  };
  const Text texts[] = {{"title", a.title, kMaxTitleLen},
                        {"artist", a.artist, kMaxArtistLen},
                        {"url", a.url, kMaxUrlLen},
                        {"error", a.error, kMaxErrorLen}};
  for (const Text& t : texts) {
    if (ok && t.value[0] != '\0') ok = detail::PutField(buf, cap, &pos, t.key, t.value, t.max);
  }
  return ok ? pos : 0;
}

}  // namespace moodtune::device
