// Fakes for DeviceCore tests: a manual clock and a scripted DeviceIo. They use fixed arrays
// only, so the heap test can count the core's allocations without noise from the fakes.
#pragma once

#include <cstdio>
#include <cstring>

#include "moodtune_core/device_core.h"

namespace moodtune::device::testing {

class FakeClock final : public Clock {
 public:
  std::uint32_t NowMs() override { return now; }
  std::uint32_t now = 0;
};

// One scripted server reaction.
struct Reply {
  bool reached = true;
  std::uint16_t http_status = 200;
  char body[kMaxAnswerBytes * 2] = {};
  std::size_t len = 0;
  char retry_after[32] = {};  // Retry-After header value; "" = none
};

inline Reply OkReply(WireEmotion e, std::uint16_t confidence_milli, bool with_rgb = false,
                     Rgb rgb = {}) {
  MoodAnswer a;
  a.status = AnswerStatus::kOk;
  a.emotion = e;
  a.confidence_milli = confidence_milli;
  a.has_rgb = with_rgb ? 1 : 0;
  a.rgb = rgb;
  std::snprintf(a.title, sizeof(a.title), "Track for %s", WireEmotionName(e));
  std::snprintf(a.artist, sizeof(a.artist), "Artist");
  Reply r;
  r.len = EncodeMoodAnswer(a, r.body, sizeof(r.body));
  return r;
}

inline Reply TextReply(std::uint16_t status, const char* text) {
  Reply r;
  r.http_status = status;
  r.len = std::strlen(text);
  std::memcpy(r.body, text, r.len);
  return r;
}

inline Reply WithRetryAfter(Reply r, const char* value) {
  std::snprintf(r.retry_after, sizeof(r.retry_after), "%s", value);
  return r;
}

inline Reply Unreachable() {
  Reply r;
  r.reached = false;
  return r;
}

class FakeIo final : public DeviceIo {
 public:
  static constexpr int kMaxReplies = 32;
  static constexpr int kMaxTransitions = 256;
  struct Transition {
    State from, to;
    std::uint32_t at_ms;
  };

  explicit FakeIo(FakeClock* clock, const std::uint8_t* jpeg = kJpeg, std::size_t jpeg_len = 4)
      : clock_(clock), jpeg_(jpeg), jpeg_len_(jpeg_len) {}

  void Push(const Reply& r) {
    if (num_replies_ < kMaxReplies) replies_[num_replies_++] = r;
  }

  bool WifiConnected() override { return wifi; }
  void WifiReconnect() override { ++reconnects; }
  bool Capture(Frame* out) override {
    ++captures;
    if (!camera_ok) return false;
    out->data = jpeg_;
    out->len = jpeg_len_;
    ++held;
    return true;
  }
  void ReleaseFrame() override {
    ++releases;
    --held;
  }
  HttpReply Post(const UploadRequest& req, char* body, std::size_t cap) override {
    ++posts;
    last_content_length = req.content_length();
    std::snprintf(last_content_type, sizeof(last_content_type), "%s", req.content_type);
    std::snprintf(last_device_id, sizeof(last_device_id), "%s", req.device_id);
    std::snprintf(last_authorization, sizeof(last_authorization), "%s", req.authorization);
    last_jpeg = req.jpeg;
    clock_->now += post_ms;  // the request takes time on the fake clock
    HttpReply h;
    if (next_reply_ >= num_replies_) return h;  // script ran out: unreachable
    const Reply& r = replies_[next_reply_++];
    if (!r.reached) return h;
    h.reached = true;
    h.http_status = r.http_status;
    h.body_len = r.len < cap ? r.len : cap;
    h.truncated = r.len > cap;
    std::memcpy(body, r.body, h.body_len);
    // Cut to fit, as a real adapter does; the core must cope with a cut value.
    std::snprintf(h.retry_after, sizeof(h.retry_after), "%s", r.retry_after);
    return h;
  }
  bool DecodeGray(const Frame& frame, GrayImage* out) override {
    ++decodes;
    if (gray.pixels == nullptr || frame.data == nullptr || held <= 0) return false;
    *out = gray;
    return true;
  }
  void SetLed(Rgb c) override {
    led = c;
    ++led_writes;
  }
  std::uint32_t Random() override { return random_value; }
  void OnStateChange(State from, State to, const char* detail) override {
    if (num_transitions < kMaxTransitions) transitions[num_transitions++] = {from, to, clock_->now};
    std::snprintf(last_detail, sizeof(last_detail), "%s", detail);
  }

  // Knobs and observations.
  bool wifi = true;
  bool camera_ok = true;
  std::uint32_t post_ms = 50;
  std::uint32_t random_value = 0;
  int reconnects = 0, captures = 0, releases = 0, held = 0, posts = 0, led_writes = 0;
  int decodes = 0;
  GrayImage gray;  // what DecodeGray hands out; no pixels = a decode failure
  Rgb led;
  std::size_t last_content_length = 0;
  char last_content_type[96] = {};
  char last_device_id[kMaxDeviceIdLen + 1] = {};
  char last_authorization[8 + kMaxApiKeyLen] = {};
  const std::uint8_t* last_jpeg = nullptr;
  char last_detail[80] = {};  // detail of the last state change
  Transition transitions[kMaxTransitions] = {};
  int num_transitions = 0;

  static constexpr std::uint8_t kJpeg[4] = {0xFF, 0xD8, 0xFF, 0xD9};

 private:
  FakeClock* clock_;
  const std::uint8_t* jpeg_;
  std::size_t jpeg_len_;
  Reply replies_[kMaxReplies];
  int num_replies_ = 0;
  int next_reply_ = 0;
};

// A 4x4 int8 net: conv 1->1 (centre tap, x 0.5) then dense 1->7 on the summed activation.
// Dark frames (gray <= 127: the model's input <= 0, ReLU 0) read neutral, bright ones happy.
struct BrightnessNet {
  std::int8_t w0[9] = {0, 0, 0, 0, 1, 0, 0, 0, 0};
  std::int32_t b0[1] = {0};
  std::int32_t m0[1] = {1 << 30};
  std::uint8_t s0[1] = {31};
  std::int8_t wd[7] = {-1, 0, 0, 1, 0, 0, 0};
  std::int32_t bd[7] = {0, 0, 0, -1, 0, 0, 1};
  Int8Conv conv{1, 1, 0, w0, b0, m0, s0};
  Int8Net net{4, &conv, 1, Int8Dense{1, 7, wd, bd}};
};

// Steps the core every `step_ms` until `until_ms` on the fake clock.
inline void RunUntil(DeviceCore& core, FakeClock& clock, std::uint32_t until_ms,
                     std::uint32_t step_ms = 10) {
  while (static_cast<std::int32_t>(until_ms - clock.now) > 0) {
    core.Step();
    clock.now += step_ms;
  }
  core.Step();
}

}  // namespace moodtune::device::testing
