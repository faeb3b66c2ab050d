// The device state machine: idle -> capture -> upload -> show -> idle, with error states
// (no Wi-Fi, server unreachable, no face, server error, camera error) that each blink their
// own LED pattern (color.h) and retry with exponential backoff (backoff.h).
// All hardware sits behind Clock and DeviceIo, so the same core runs on the ESP32 (Arduino
// adapter), on Linux (moodtune device-sim) and in host tests (fakes). It never blocks: call
// Step() often (every ~10-20 ms for smooth fades); only DeviceIo::Post may take long.
// Memory: fixed buffers only (the answer body and the multipart head/tail live in the
// object, ~2 KB); no heap use. The JPEG stays in the DeviceIo's frame buffer.
// Thread-safety: not synchronised; drive one DeviceCore from one thread/task.
#pragma once

#include <cstddef>
#include <cstdint>

#include "moodtune/device_protocol.h"
#include "moodtune_core/backoff.h"
#include "moodtune_core/color.h"
#include "moodtune_core/request.h"

namespace moodtune::device {

enum class State : std::uint8_t {
  kIdle = 0,
  kCapture,
  kUpload,
  kShow,
  kNoWifi,
  kServerUnreachable,
  kNoFace,
  kServerError,
  kCameraError,
};
const char* StateName(State s);
bool IsErrorState(State s);
ErrorKind ErrorOf(State s);  // for error states; kServerError otherwise

// Milliseconds since an arbitrary start; may wrap (the core compares with unsigned math).
class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::uint32_t NowMs() = 0;
};

// A captured JPEG, owned by the DeviceIo until ReleaseFrame().
struct Frame {
  const std::uint8_t* data = nullptr;
  std::size_t len = 0;
};

// What the HTTP exchange produced.
struct HttpReply {
  bool reached = false;          // false: no connection / timeout / TLS failure
  std::uint16_t http_status = 0;  // e.g. 200, 422, 503 (valid when reached)
  std::size_t body_len = 0;      // bytes written into the body buffer
  bool truncated = false;        // the body was longer than the buffer
};

class DeviceIo {
 public:
  virtual ~DeviceIo() = default;
  virtual bool WifiConnected() = 0;
  // Starts (re)connecting; must return quickly. Called on entering kNoWifi and per backoff.
  virtual void WifiReconnect() = 0;
  // Grabs one JPEG into *out; false on camera failure. The frame stays valid until
  // ReleaseFrame(), which the core calls exactly once per successful Capture().
  virtual bool Capture(Frame* out) = 0;
  virtual void ReleaseFrame() = 0;
  // Sends `req` (head + JPEG + tail, headers Content-Type and, if non-empty, X-Device-Id) as
  // POST to the configured server and copies at most `cap` bytes of the answer body into
  // `body`. May block for the HTTP timeout.
  virtual HttpReply Post(const UploadRequest& req, char* body, std::size_t cap) = 0;
  // Drives the RGB LED; called only when the colour changes.
  virtual void SetLed(Rgb color) = 0;
  // Any 32-bit random value (esp_random(), std::random_device); seeds jitter and boundaries.
  virtual std::uint32_t Random() = 0;
  // Notification hook for logs; `detail` is a short static/core-owned text ("" if none).
  virtual void OnStateChange(State from, State to, const char* detail) {
    (void)from;
    (void)to;
    (void)detail;
  }
};

struct CoreOptions {
  std::uint32_t interval_ms = 0;       // automatic capture period; 0 = on button only
  std::uint32_t fade_ms = 600;         // LED fade in/out time
  std::uint32_t show_ms = 8000;        // a result stays lit this long, then fades out
  std::uint32_t no_face_ms = 2000;     // no-face pattern shows this long, then idle
  std::uint32_t camera_error_ms = 3000;  // camera-error pattern shows this long, then idle
  std::uint8_t max_retries = 5;        // failed uploads in a row before waiting for a trigger
  UploadEncoding encoding = UploadEncoding::kRawJpeg;
  BackoffOptions upload_backoff;       // between failed uploads
  BackoffOptions wifi_backoff{500, 30000, 2, 25};  // between Wi-Fi reconnect kicks
  const char* device_id = "";          // X-Device-Id; "" = none. Borrowed: must outlive the core
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
  // The last parsed ok answer (valid once results() > 0).
  const MoodAnswer& last_answer() const { return answer_; }
  // The colour of the last result (what the LED fades to in kShow).
  Rgb result_color() const { return result_color_; }
  Rgb led() const { return led_; }
  // Uploads that ended in kShow, and in any error state (including Wi-Fi loss mid-upload).
  std::uint32_t results() const { return results_; }
  std::uint32_t failures() const { return failures_; }
  std::uint32_t upload_attempts() const { return upload_backoff_.attempts(); }

 private:
  void Enter(State next, const char* detail, std::uint32_t now);
  void EnterError(State next, const char* detail, std::uint32_t now, std::uint32_t hold_ms);
  void EnterRetryError(State next, const char* detail, std::uint32_t now);
  bool TriggerDue(std::uint32_t now) const;
  void StepUpload(std::uint32_t now);
  void FinishError(std::uint32_t now);
  Rgb LedColor(std::uint32_t now) const;

  CoreOptions options_;
  Clock* clock_;
  DeviceIo* io_;
  State state_ = State::kIdle;
  std::uint32_t entered_ms_ = 0;
  std::uint32_t hold_ms_ = 0;  // how long the current error state lasts
  std::uint32_t last_capture_ms_ = 0;
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
  std::uint32_t results_ = 0;
  std::uint32_t failures_ = 0;
  char detail_[64] = {};
  char body_[kMaxAnswerBytes + 1] = {};
  MoodAnswer answer_;
  MoodAnswer scratch_;
};

}  // namespace moodtune::device
