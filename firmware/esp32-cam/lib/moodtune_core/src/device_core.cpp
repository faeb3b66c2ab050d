#include "moodtune_core/device_core.h"

namespace moodtune::device {
namespace {

// "http <status>[, <why>]" into buf (cut to fit). The core's own formatter: snprintf would pull
// printf into the firmware for three messages.
void FormatDetail(char* buf, size_t cap, uint16_t http_status, const char* why) {
  size_t pos = 0;
  const size_t room = cap - 1;  // keep one byte for the NUL
  detail::PutStr(buf, room, &pos, "http ");
  detail::PutUint(buf, room, &pos, http_status, 1);
  if (why != nullptr && why[0] != '\0') {
    if (detail::PutStr(buf, room, &pos, ", ")) {
      for (const char* c = why; *c != '\0' && detail::Put(buf, room, &pos, c, 1); ++c) {
      }
    }
  }
  buf[pos] = '\0';
}

}  // namespace

const char* StateName(State s) {
  switch (s) {
    case State::kIdle: return "idle";
    case State::kCapture: return "capture";
    case State::kUpload: return "upload";
    case State::kShow: return "show";
    case State::kNoWifi: return "no_wifi";
    case State::kServerUnreachable: return "server_unreachable";
    case State::kNoFace: return "no_face";
    case State::kServerError: return "server_error";
    case State::kCameraError: return "camera_error";
    case State::kRejected: return "rejected";
  }
  return "unknown";
}

bool IsErrorState(State s) {
  return s == State::kNoWifi || s == State::kServerUnreachable || s == State::kNoFace ||
         s == State::kServerError || s == State::kCameraError || s == State::kRejected;
}

ErrorKind ErrorOf(State s) {
  switch (s) {
    case State::kNoWifi: return ErrorKind::kNoWifi;
    case State::kServerUnreachable: return ErrorKind::kServerUnreachable;
    case State::kNoFace: return ErrorKind::kNoFace;
    case State::kCameraError: return ErrorKind::kCamera;
    case State::kRejected: return ErrorKind::kRejected;
    default: return ErrorKind::kServerError;
  }
}

DeviceCore::DeviceCore(const CoreOptions& options, Clock* clock, DeviceIo* io)
    : options_(options),
      clock_(clock),
      io_(io),
      upload_backoff_(options.upload_backoff),
      wifi_backoff_(options.wifi_backoff) {
  entered_ms_ = clock_->NowMs();
}

void DeviceCore::Enter(State next, const char* detail, uint32_t now) {
  const State prev = state_;
  state_ = next;
  entered_ms_ = now;
  io_->OnStateChange(prev, next, detail != nullptr ? detail : "");
}

void DeviceCore::EnterError(State next, const char* detail, uint32_t now,
                            uint32_t hold_ms) {
  hold_ms_ = hold_ms;
  Enter(next, detail, now);
}

void DeviceCore::EnterRetryError(State next, const char* detail, uint32_t now,
                                 uint32_t min_wait_ms) {
  ++failures_;
  ++results_;
  const uint32_t backoff_ms = upload_backoff_.NextDelayMs(io_->Random());
  EnterError(next, detail, now, backoff_ms > min_wait_ms ? backoff_ms : min_wait_ms);
}

void DeviceCore::FailUpload(uint16_t http_status, const char* why, uint32_t retry_after_ms,
                            uint32_t now) {
  FormatDetail(detail_, sizeof(detail_), http_status, why);
  if (IsPermanentHttpStatus(http_status)) {
    // The same request would be refused again: show it, reset, wait for the next trigger.
    upload_backoff_.Reset();
    ++results_;
    ++failures_;
    EnterError(State::kRejected, detail_, now, options_.rejected_ms);
    return;
  }
  EnterRetryError(State::kServerError, detail_, now, retry_after_ms);
}

bool DeviceCore::TriggerDue(uint32_t now) const {
  if (capture_requested_) return true;
  if (options_.interval_ms == 0) return false;
  return !captured_once_ || now - last_capture_ms_ >= options_.interval_ms;
}

void DeviceCore::Step() {
  const uint32_t now = clock_->NowMs();
  switch (state_) {
    case State::kIdle:
    case State::kShow:
      if (state_ == State::kShow && now - entered_ms_ >= options_.show_ms && !TriggerDue(now)) {
        fade_ = Fade{led_, Rgb{}, now, options_.fade_ms};
        Enter(State::kIdle, "", now);
      } else if (OnDevice() && TriggerDue(now)) {  // the device's own read needs no Wi-Fi
        Enter(State::kCapture, capture_requested_ ? "button" : "interval", now);
      } else if (Uploads() && !(OnDevice() && state_ == State::kShow) && !io_->WifiConnected()) {
        io_->WifiReconnect();
        EnterError(State::kNoWifi, "", now, wifi_backoff_.NextDelayMs(io_->Random()));
      } else if (TriggerDue(now)) {
        Enter(State::kCapture, capture_requested_ ? "button" : "interval", now);
      }
      break;
    case State::kCapture: {
      capture_requested_ = false;
      captured_once_ = true;
      last_capture_ms_ = now;
      frame_ = Frame{};
      if (!io_->Capture(&frame_)) {
        ++failures_;
        EnterError(State::kCameraError, "capture failed", now, options_.camera_error_ms);
        break;
      }
      frame_held_ = true;
      if (OnDevice()) {
        if (ReadOnDevice(now)) {
          if (Uploads() && io_->WifiConnected()) {
            Enter(State::kUpload, detail_, now);
          } else {
            io_->ReleaseFrame();
            frame_held_ = false;
            answer_ = MoodAnswer{};
            ++results_;
            Enter(State::kShow, detail_, now);
          }
        }
        break;
      }
      Enter(State::kUpload, "", now);
      break;
    }
    case State::kUpload:
      StepUpload(now);
      break;
    case State::kNoWifi:
      if (io_->WifiConnected()) {
        wifi_backoff_.Reset();
        Enter(State::kIdle, "wifi up", now);
      } else if (OnDevice() && TriggerDue(now)) {
        Enter(State::kCapture, capture_requested_ ? "button" : "interval", now);
      } else if (now - entered_ms_ >= hold_ms_) {
        io_->WifiReconnect();
        entered_ms_ = now;  // keep blinking the same pattern; the phase restarts
        hold_ms_ = wifi_backoff_.NextDelayMs(io_->Random());
      }
      break;
    case State::kServerUnreachable:
    case State::kServerError:
    case State::kNoFace:
    case State::kCameraError:
    case State::kRejected:
      if (capture_requested_ || now - entered_ms_ >= hold_ms_) FinishError(now);
      break;
  }
  const Rgb c = LedColor(clock_->NowMs());
  if (!led_written_ || c != led_) {
    led_ = c;
    led_written_ = true;
    io_->SetLed(c);
  }
}

void DeviceCore::FinishError(uint32_t now) {
  const bool retry = state_ == State::kServerUnreachable || state_ == State::kServerError;
  if (retry && !capture_requested_) {
    if (upload_backoff_.attempts() < options_.max_retries) {
      Enter(State::kCapture, "retry", now);
      return;
    }
    upload_backoff_.Reset();  // give up until the next button press or interval
    Enter(State::kIdle, "retries exhausted", now);
    return;
  }
  fade_ = Fade{Rgb{}, Rgb{}, now, 0};
  Enter(capture_requested_ ? State::kCapture : State::kIdle, capture_requested_ ? "button" : "",
        now);
}

void DeviceCore::StepUpload(uint32_t now) {
  UploadRequest req;
  HttpReply reply;
  bool built = false;
  if (!io_->WifiConnected()) {
    io_->ReleaseFrame();
    frame_held_ = false;
    if (OnDevice()) {
      io_->WifiReconnect();
      FinishMusic("wifi lost", 0, now);
      return;
    }
    ++results_;
    ++failures_;
    io_->WifiReconnect();
    EnterError(State::kNoWifi, "wifi lost", now, wifi_backoff_.NextDelayMs(io_->Random()));
    return;
  }
  built = builder_.Build(options_.encoding, frame_.data, frame_.len, options_.device_id,
                         options_.api_key, io_->Random(), &req);
  if (built) reply = io_->Post(req, body_, kMaxAnswerBytes);
  io_->ReleaseFrame();
  frame_held_ = false;
  const uint32_t after = clock_->NowMs();
  if (OnDevice()) {
    const char* why = nullptr;
    ParseError err = ParseError::kOk;
    if (!built) why = "invalid device id or api key";
    else if (!reply.reached) why = "server unreachable";
    else if (reply.truncated || reply.body_len > kMaxAnswerBytes) why = "answer too long";
    else if ((err = ParseMoodAnswer(body_, reply.body_len, &scratch_)) != ParseError::kOk)
      why = ParseErrorName(err);
    else if (scratch_.status == AnswerStatus::kNoFace) why = "the service saw no face";
    else if (scratch_.status != AnswerStatus::kOk || reply.http_status < 200 ||
             reply.http_status >= 300)
      why = scratch_.error[0] != '\0' ? scratch_.error : "error answer";
    FinishMusic(why, reply.reached ? reply.http_status : 0, after);
    return;
  }
  if (!built) {
    ++results_;
    ++failures_;
    if (frame_.data == nullptr || frame_.len == 0) {
      EnterError(State::kCameraError, "empty frame", after, options_.camera_error_ms);
    } else {  // a configuration no retry can fix
      EnterError(State::kRejected, "invalid device id or api key", after, options_.rejected_ms);
    }
    return;
  }
  if (!reply.reached) {
    EnterRetryError(State::kServerUnreachable, "", after, 0);
    return;
  }
  const uint16_t http = reply.http_status;
  // 429 and 503 may say when to come back; other answers use the backoff alone.
  uint32_t retry_after_ms = 0;
  if (http == 429 || http == 503) {
    reply.retry_after[kMaxRetryAfterLen] = '\0';  // the DeviceIo's copy may be unterminated
    if (!ParseRetryAfterMs(reply.retry_after, options_.max_retry_after_ms, &retry_after_ms))
      retry_after_ms = 0;
  }
  if (reply.truncated || reply.body_len > kMaxAnswerBytes) {
    FailUpload(http, "answer too long", retry_after_ms, after);
    return;
  }
  const ParseError err = ParseMoodAnswer(body_, reply.body_len, &scratch_);
  if (err != ParseError::kOk) {
    FailUpload(http, ParseErrorName(err), retry_after_ms, after);
    return;
  }
  if (scratch_.status == AnswerStatus::kNoFace) {
    upload_backoff_.Reset();  // the server works; the user just was not in frame
    ++results_;
    ++failures_;
    EnterError(State::kNoFace, "", after, options_.no_face_ms);
    return;
  }
  const bool http_ok = http >= 200 && http < 300;
  if (scratch_.status != AnswerStatus::kOk || !http_ok) {
    FailUpload(http, scratch_.error, retry_after_ms, after);  // the server's reason, if any
    return;
  }
  upload_backoff_.Reset();
  answer_ = scratch_;
  result_color_ = AnswerColor(answer_);
  fade_ = Fade{led_, result_color_, after, options_.fade_ms};
  ++results_;
  Enter(State::kShow, WireEmotionName(answer_.emotion), after);
}

bool DeviceCore::ReadOnDevice(uint32_t now) {
  const Int8Net& net = *options_.on_device_net;
  GrayImage gray;
  int e = -1;
  const char* why = "decode failed";
  if (io_->DecodeGray(frame_, &gray)) {
    why = "on-device read failed";
    if (net.dense.cout == kNumWireEmotions)
      e = ReadEmotionOnDevice(net, gray, options_.crop_permille, options_.on_device_arena,
                              options_.on_device_arena_len, logits_);
  }
  if (e < 0 || e >= kNumWireEmotions) {
    io_->ReleaseFrame();
    frame_held_ = false;
    ++failures_;
    EnterError(State::kCameraError, why, now, options_.camera_error_ms);
    return false;
  }
  on_device_emotion_ = static_cast<WireEmotion>(e);
  result_color_ = EmotionColor(on_device_emotion_);
  fade_ = Fade{led_, result_color_, now, options_.fade_ms};
  size_t pos = 0;
  detail::PutStr(detail_, sizeof(detail_) - 1, &pos, "on-device ");
  detail::PutStr(detail_, sizeof(detail_) - 1, &pos, WireEmotionName(on_device_emotion_));
  detail_[pos] = '\0';
  return true;
}

void DeviceCore::FinishMusic(const char* why, uint16_t http_status, uint32_t now) {
  size_t pos = 0;
  const size_t room = sizeof(detail_) - 1;
  detail::PutStr(detail_, room, &pos, "on-device ");
  detail::PutStr(detail_, room, &pos, WireEmotionName(on_device_emotion_));
  if (why == nullptr) {
    answer_ = scratch_;
    detail::PutStr(detail_, room, &pos, "; music for service ");
    detail::PutStr(detail_, room, &pos, WireEmotionName(answer_.emotion));
  } else {
    answer_ = MoodAnswer{};
    detail::PutStr(detail_, room, &pos, "; no music: ");
    if (http_status != 0) {
      detail::PutStr(detail_, room, &pos, "http ");
      detail::PutUint(detail_, room, &pos, http_status, 1);
      detail::PutStr(detail_, room, &pos, ", ");
    }
    for (const char* c = why; *c != '\0' && detail::Put(detail_, room, &pos, c, 1); ++c) {
    }
  }
  detail_[pos] = '\0';
  ++results_;
  Enter(State::kShow, detail_, now);
}

Rgb DeviceCore::LedColor(uint32_t now) const {
  if (IsErrorState(state_)) return BlinkAt(ErrorBlink(ErrorOf(state_)), now - entered_ms_);
  return FadeAt(fade_, now);
}

}  // namespace moodtune::device
