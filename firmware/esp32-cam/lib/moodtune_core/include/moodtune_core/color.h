// LED colours and timing for the device: emotion palette, fades, gamma-corrected PWM duty,
// and one blink pattern per error state. Pure functions on values; no Arduino headers.
// Thread-safety: pure; safe from any thread or ISR.
#pragma once

#include <stdint.h>

#include "moodtune/device_protocol.h"

namespace moodtune::device {

// The device palette, EmotionColor(WireEmotion), is in moodtune/device_protocol.h (the
// contract the service shares).

// The colour to show for an ok answer: its `rgb=` if given, else EmotionColor(emotion).
Rgb AnswerColor(const MoodAnswer& a);

// Linear blend: t_milli = 0 gives `from`, 1000 gives `to`; values above 1000 clamp.
Rgb Lerp(Rgb from, Rgb to, uint32_t t_milli);

// A fade from `from` to `to` that starts at `start_ms` and lasts `duration_ms`
// (0 = jump). Times are the core clock's milliseconds; wrap-around safe.
struct Fade {
  Rgb from;
  Rgb to;
  uint32_t start_ms = 0;
  uint32_t duration_ms = 0;
};
Rgb FadeAt(const Fade& f, uint32_t now_ms);
bool FadeDone(const Fade& f, uint32_t now_ms);

// Maps an 8-bit perceived level to a PWM duty of `bits` resolution (1..16) with a gamma of 2
// (duty = level^2 scaled), so fades look even to the eye. 0 -> 0, 255 -> 2^bits - 1.
uint32_t GammaDuty(uint8_t level, uint8_t bits);

// Error states the LED must tell apart.
enum class ErrorKind : uint8_t {
  kNoWifi = 0,
  kServerUnreachable,
  kNoFace,
  kServerError,
  kCamera,
  kRejected,  // the server refused the request for good (IsPermanentHttpStatus): no retry
};
inline constexpr int kNumErrorKinds = 6;
const char* ErrorKindName(ErrorKind k);

// `pulses` flashes of `color`, each `on_ms` lit and `off_ms` dark, then `pause_ms` dark;
// repeats. Patterns differ per ErrorKind in colour and/or pulse count (a test checks).
struct BlinkPattern {
  Rgb color;
  uint8_t pulses = 1;
  uint16_t on_ms = 200;
  uint16_t off_ms = 200;
  uint16_t pause_ms = 800;
};
BlinkPattern ErrorBlink(ErrorKind k);
uint32_t BlinkPeriodMs(const BlinkPattern& p);
// The LED colour `elapsed_ms` after the pattern started.
Rgb BlinkAt(const BlinkPattern& p, uint32_t elapsed_ms);

}  // namespace moodtune::device
