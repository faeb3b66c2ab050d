// The device state machine: idle -> capture -> upload -> show -> idle, with error states
// (no Wi-Fi, server unreachable, no face, server error, camera error, rejected) that each
// blink their own LED pattern (color.h). Transient failures retry with exponential backoff
// (backoff.h), at least as long as a 429/503 answer's Retry-After; permanent refusals (4xx,
// IsPermanentHttpStatus) and no-face answers are shown and not retried.
// All hardware sits behind Clock and DeviceIo, so the same core runs on the ESP32 (Arduino
// adapter), on Linux (moodtune device-sim) and in host tests (fakes). It never blocks: call
// Step() often (every ~10-20 ms for smooth fades); only DeviceIo::Post may take long.
// Memory: fixed buffers only (the answer body, the parsed answers and the request head/tail
// live in the object); it never allocates, at start-up or after (tests/device/heap_test.cc
// counts every operator new and malloc on the host; the Xtensa cross-build checks the objects
// reference no allocator). The JPEG stays in the DeviceIo's frame buffer.
// On-device mode (CoreOptions::on_device_net set): the capture step decodes the frame to gray
// (DeviceIo::DecodeGray), reads the emotion with the int8 net on a fixed centre crop
// (on_device.h) and starts the LED fade to its colour at once; the upload that follows only
// fetches music (one try per photo, when Wi-Fi is up and upload is on; a failure is logged in
// the state change's detail and the LED keeps the device's emotion: no error blink, no retry).
// Photos need no Wi-Fi then.
// Thread-safety: not synchronised; drive one DeviceCore from one thread/task.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "moodtune/device_protocol.h"
#include "moodtune_core/backoff.h"
#include "moodtune_core/color.h"
#include "moodtune_core/on_device.h"
#include "moodtune_core/request.h"
#include "moodtune_core/retry_after.h"

namespace moodtune::device {

enum class State : uint8_t {
  kIdle = 0,
  kCapture,
  kUpload,
  kShow,
  kNoWifi,
  kServerUnreachable,
  kNoFace,
  kServerError,
  kCameraError,
  kRejected,  // a permanent 4xx answer (or an unusable device id / API key): no retry
};
const char* StateName(State s);
bool IsErrorState(State s);
ErrorKind ErrorOf(State s);  // for error states; kServerError otherwise

// Milliseconds since an arbitrary start; may wrap (the core compares with unsigned math).
// The interfaces below have protected, non-virtual destructors: the core never owns or deletes
// them, and a virtual destructor would give every implementation a deleting destructor that
// references operator delete, pulling the heap into a firmware that has none (the Xtensa
// cross-build checks an adapter stub for that).
class Clock {
 public:
  virtual uint32_t NowMs() = 0;

 protected:
  ~Clock() = default;
};

// A captured JPEG, owned by the DeviceIo until ReleaseFrame().
struct Frame {
  const uint8_t* data = nullptr;
  size_t len = 0;
};

// What the HTTP exchange produced.
struct HttpReply {
  bool reached = false;          // false: no connection / timeout / TLS failure
  uint16_t http_status = 0;  // e.g. 200, 422, 503 (valid when reached)
  size_t body_len = 0;      // bytes written into the body buffer
  bool truncated = false;        // the body was longer than the buffer
  // The Retry-After header's value, NUL-terminated ("" when absent; cut to fit). The core
  // parses it (retry_after.h) and honours it on 429 and 503.
  char retry_after[kMaxRetryAfterLen + 1] = {};
};

class DeviceIo {
 public:
  virtual bool WifiConnected() = 0;
  // Starts (re)connecting; must return quickly. Called on entering kNoWifi and per backoff.
  virtual void WifiReconnect() = 0;
  // Grabs one JPEG into *out; false on camera failure. The frame stays valid until
  // ReleaseFrame(), which the core calls exactly once per successful Capture().
  virtual bool Capture(Frame* out) = 0;
  virtual void ReleaseFrame() = 0;
  // Sends `req` (head + JPEG + tail; headers Content-Type and, each if non-empty, X-Device-Id
  // and Authorization) as POST to the configured server, copies at most `cap` bytes of the
  // answer body into `body` and the Retry-After header into the reply. May block for the
  // HTTP timeout.
  virtual HttpReply Post(const UploadRequest& req, char* body, size_t cap) = 0;
  // On-device mode only: decodes the held frame (a JPEG from Capture) to 8-bit gray into *out;
  // the pixels belong to the DeviceIo and stay valid until ReleaseFrame(). False when it
  // cannot (the core then shows a camera error). The default decodes nothing.
  virtual bool DecodeGray(const Frame& frame, GrayImage* out) {
    (void)frame;
    (void)out;
    return false;
  }
  // Drives the RGB LED; called only when the colour changes.
  virtual void SetLed(Rgb color) = 0;
  // Any 32-bit random value (esp_random(), std::random_device); seeds jitter and boundaries.
  virtual uint32_t Random() = 0;
  // Notification hook for logs; `detail` is a short static/core-owned text ("" if none).
  virtual void OnStateChange(State from, State to, const char* detail) {
    (void)from;
    (void)to;
    (void)detail;
  }

 protected:
  ~DeviceIo() = default;
};

struct CoreOptions {
  uint32_t interval_ms = 0;       // automatic capture period; 0 = on button only
  uint32_t fade_ms = 600;         // LED fade in/out time
  uint32_t show_ms = 8000;        // a result stays lit this long, then fades out
  uint32_t no_face_ms = 2000;     // no-face pattern shows this long, then idle
  uint32_t camera_error_ms = 3000;  // camera-error pattern shows this long, then idle
  uint32_t rejected_ms = 5000;    // a permanent refusal (4xx) shows this long, then idle
  uint32_t max_retry_after_ms = 300000;  // cap on a 429/503 Retry-After wait, ms
  uint8_t max_retries = 5;        // failed uploads in a row before waiting for a trigger
  UploadEncoding encoding = UploadEncoding::kRawJpeg;
  BackoffOptions upload_backoff;       // between failed uploads
  BackoffOptions wifi_backoff{500, 30000, 2, 25};  // between Wi-Fi reconnect kicks
  const char* device_id = "";          // X-Device-Id; "" = none. Borrowed: must outlive the core
  const char* api_key = "";            // sent as Authorization: Bearer; "" = none. Borrowed
  // On-device emotion (see the file comment). All three borrowed; must outlive the core.
  const Int8Net* on_device_net = nullptr;  // nullptr: the service reads the emotion
  uint8_t* on_device_arena = nullptr;      // scratch, >= OnDeviceArenaBytes(*on_device_net)
  size_t on_device_arena_len = 0;
  // Centre square side = shorter side of the frame x this / 1000 (fitted on
  // faces-in-the-wild-train, firmware README "Emotion on the device").
  uint16_t crop_permille = 1000;
  bool upload = true;  // on-device mode only: false never uploads (no service, no music)
};

class DeviceCore {
 public:
  // `clock` and `io` are borrowed and must outlive the core.
  DeviceCore(const CoreOptions& options, Clock* clock, DeviceIo* io);
  DeviceCore(const DeviceCore&) = delete;
  DeviceCore& operator=(const DeviceCore&) = delete;

  // Asks for a capture at the next Step() (button press); interrupts show and error waits.
  void RequestCapture() { capture_requested_ = true; }
  // Advances the machine by at most one transition and refreshes the LED.
  void Step();

  State state() const { return state_; }
  // The last parsed ok answer (valid once results() > 0). On-device mode: the music answer for
  // the last photo; its status is not kOk when none came.
  const MoodAnswer& last_answer() const { return answer_; }
  // On-device mode: the emotion the device read from the last photo, and the net's logits
  // (integer units, comparable with each other).
  WireEmotion on_device_emotion() const { return on_device_emotion_; }
  const int32_t* on_device_logits() const { return logits_; }
  // The colour of the last result (what the LED fades to in kShow).
  Rgb result_color() const { return result_color_; }
  Rgb led() const { return led_; }
  // Uploads that ended in kShow, and in any error state (including Wi-Fi loss mid-upload).
  uint32_t results() const { return results_; }
  uint32_t failures() const { return failures_; }
  uint32_t upload_attempts() const { return upload_backoff_.attempts(); }

 private:
  void Enter(State next, const char* detail, uint32_t now);
  void EnterError(State next, const char* detail, uint32_t now, uint32_t hold_ms);
  // Retries after the backoff delay, or after `min_wait_ms` when that is longer.
  void EnterRetryError(State next, const char* detail, uint32_t now, uint32_t min_wait_ms);
  void FailUpload(uint16_t http_status, const char* why, uint32_t retry_after_ms, uint32_t now);
  bool TriggerDue(uint32_t now) const;
  void StepUpload(uint32_t now);
  bool OnDevice() const { return options_.on_device_net != nullptr; }
  bool Uploads() const { return options_.upload || !OnDevice(); }
  // On-device mode: reads the emotion from the held frame and starts the LED fade; false (the
  // frame released, a camera error entered) when the frame cannot be decoded or classified.
  bool ReadOnDevice(uint32_t now);
  // On-device mode: ends an upload in kShow, keeping the device's emotion on the LED; `why` is
  // nullptr when the music answer (scratch_) is good.
  void FinishMusic(const char* why, uint16_t http_status, uint32_t now);
  void FinishError(uint32_t now);
  Rgb LedColor(uint32_t now) const;

  CoreOptions options_;
  Clock* clock_;
  DeviceIo* io_;
  State state_ = State::kIdle;
  uint32_t entered_ms_ = 0;
  uint32_t hold_ms_ = 0;  // how long the current error state lasts
  uint32_t last_capture_ms_ = 0;
  bool captured_once_ = false;
  bool capture_requested_ = false;
  bool frame_held_ = false;
  Frame frame_;
  Backoff upload_backoff_;
  Backoff wifi_backoff_;
  RequestBuilder builder_;
  Fade fade_;
  Rgb led_;
  bool led_written_ = false;
  Rgb result_color_;
  uint32_t results_ = 0;
  uint32_t failures_ = 0;
  char detail_[64] = {};
  char body_[kMaxAnswerBytes + 1] = {};
  MoodAnswer answer_;
  MoodAnswer scratch_;
  WireEmotion on_device_emotion_ = WireEmotion::kNeutral;
  int32_t logits_[kNumWireEmotions] = {};
};

}  // namespace moodtune::device
