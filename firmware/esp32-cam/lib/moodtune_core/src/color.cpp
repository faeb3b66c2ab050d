#include "moodtune_core/color.h"

namespace moodtune::device {

Rgb AnswerColor(const MoodAnswer& a) { return a.has_rgb ? a.rgb : EmotionColor(a.emotion); }

Rgb Lerp(Rgb from, Rgb to, uint32_t t_milli) {
  if (t_milli > 1000) t_milli = 1000;
  auto mix = [t_milli](uint8_t a, uint8_t b) {
    // Rounded integer blend; the int math keeps it identical on host and ESP32.
    const int32_t d = static_cast<int32_t>(b) - static_cast<int32_t>(a);
    const int32_t step = (d * static_cast<int32_t>(t_milli) + (d >= 0 ? 500 : -500)) / 1000;
    return static_cast<uint8_t>(a + step);
  };
  return {mix(from.r, to.r), mix(from.g, to.g), mix(from.b, to.b)};
}

Rgb FadeAt(const Fade& f, uint32_t now_ms) {
  if (f.duration_ms == 0) return f.to;
  const uint32_t elapsed = now_ms - f.start_ms;  // unsigned: survives millis() wrap
  if (elapsed >= f.duration_ms) return f.to;
  return Lerp(f.from, f.to, static_cast<uint32_t>(
                                static_cast<uint64_t>(elapsed) * 1000 / f.duration_ms));
}

bool FadeDone(const Fade& f, uint32_t now_ms) { return now_ms - f.start_ms >= f.duration_ms; }

uint32_t GammaDuty(uint8_t level, uint8_t bits) {
  if (bits < 1) bits = 1;
  if (bits > 16) bits = 16;
  const uint32_t max = (1u << bits) - 1;
  const uint64_t sq = static_cast<uint64_t>(level) * level;
  return static_cast<uint32_t>((sq * max + 65025 / 2) / 65025);
}

const char* ErrorKindName(ErrorKind k) {
  switch (k) {
    case ErrorKind::kNoWifi: return "no_wifi";
    case ErrorKind::kServerUnreachable: return "server_unreachable";
    case ErrorKind::kNoFace: return "no_face";
    case ErrorKind::kServerError: return "server_error";
    case ErrorKind::kCamera: return "camera_error";
    case ErrorKind::kRejected: return "rejected";
  }
  return "unknown";
}

BlinkPattern ErrorBlink(ErrorKind k) {
  switch (k) {
    case ErrorKind::kNoWifi: return {{0, 0, 255}, 1, 600, 600, 0};            // slow blue
    case ErrorKind::kServerUnreachable: return {{255, 0, 0}, 2, 150, 150, 900};  // red x2
    case ErrorKind::kServerError: return {{255, 0, 0}, 3, 150, 150, 900};        // red x3
    case ErrorKind::kNoFace: return {{255, 255, 255}, 1, 100, 100, 1300};        // white tick
    case ErrorKind::kCamera: return {{255, 80, 0}, 4, 100, 100, 900};            // amber x4
    case ErrorKind::kRejected: return {{255, 0, 160}, 2, 400, 200, 800};         // magenta x2
  }
  return {{255, 0, 0}, 5, 100, 100, 900};
}

uint32_t BlinkPeriodMs(const BlinkPattern& p) {
  return static_cast<uint32_t>(p.pulses) * (p.on_ms + p.off_ms) + p.pause_ms;
}

Rgb BlinkAt(const BlinkPattern& p, uint32_t elapsed_ms) {
  const uint32_t period = BlinkPeriodMs(p);
  if (period == 0) return p.color;
  const uint32_t t = elapsed_ms % period;
  const uint32_t pulse_len = static_cast<uint32_t>(p.on_ms) + p.off_ms;
  if (pulse_len == 0 || t >= p.pulses * pulse_len) return {};
  return (t % pulse_len) < p.on_ms ? p.color : Rgb{};
}

}  // namespace moodtune::device
