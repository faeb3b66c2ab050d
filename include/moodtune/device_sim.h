// The device simulator: runs the ESP32-CAM firmware core (DeviceCore) on Linux with an image
// folder or a V4L2 camera as the camera, cpp-httplib as the HTTP client and the terminal as
// the LED. With on_device it runs the firmware's on-device path (MOODTUNE_ON_DEVICE): the
// emotion from the int8 net compiled into the build (kEmotionInt8Net) on a centre crop, no
// server needed; the service, when given, is asked only for music. Used by `moodtune device-sim` and by tests (RunDeviceSim returns the final state
// and LED colour, so no terminal is needed to check it).
// Thread-safety: RunDeviceSim blocks the calling thread; separate calls share nothing.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

#include "moodtune/device_protocol.h"
#include "moodtune/status.h"
#include "moodtune_core/device_core.h"

namespace moodtune::device_sim {

struct SimOptions {
  std::string server;               // service base URL: http[s]://host[:port][/base]; may be
                                    // "" with on_device (then nothing is uploaded)
  std::string images;               // folder of *.jpg/*.jpeg, sent in name order, cycled
  std::string camera;               // V4L2 device (/dev/videoN); used when images is empty
  std::uint32_t interval_ms = 5000;  // capture period
  std::uint32_t max_results = 0;    // stop after this many upload outcomes; 0 = run forever
  std::string device_id = "device-sim";  // X-Device-Id
  std::string api_key;              // sent as Authorization: Bearer <key>; "" = none
  bool multipart = false;           // multipart/form-data instead of a raw image/jpeg body
  std::uint32_t timeout_ms = 5000;  // HTTP connect/read/write timeout
  std::uint32_t show_ms = 8000;     // how long a result stays lit (DeviceCore::show_ms)
  bool ansi = true;                 // true-colour block; false prints "rgb(r,g,b)"
  bool on_device = false;           // read the emotion on the device (int8 net, centre crop)
  std::uint16_t crop_permille = device::CoreOptions{}.crop_permille;  // on_device crop
};

struct SimResult {
  device::State final_state = device::State::kIdle;  // state after the last outcome
  device::Rgb result_color;         // colour of the last ok answer (LED target)
  device::MoodAnswer answer;        // last ok answer
  std::uint32_t results = 0;        // upload outcomes seen
  std::uint32_t failures = 0;       // of which errors
  device::WireEmotion on_device_emotion = device::WireEmotion::kNeutral;  // on_device: last read
};

// Runs the core until `max_results` outcomes (forever when 0). Prints one LED line per
// outcome to `out` and state changes to `log` ("[T ms] from -> to (detail)"; the time from
// "idle -> capture" to the LED decision, "upload -> show" or on-device "capture -> ...
// (on-device <emotion>)", is the photo-to-LED time). Fails (InvalidArgument) on a bad URL
// (or none without on_device), an empty image folder or a camera that does not open.
Result<SimResult> RunDeviceSim(const SimOptions& o, std::ostream& out, std::ostream& log);

// "5s", "250ms", "2m", "5" (seconds) -> milliseconds; nullopt on anything else or > 1 day.
std::optional<std::uint32_t> ParseDurationMs(std::string_view text);

// One terminal line for an outcome: a true-colour block (or "rgb(r,g,b)" when !ansi), the
// state, and for ok answers emotion, confidence and the track. With `on_device` (the emotion
// the device read) a kShow line names that emotion ("on-device <emotion>") and then the
// track when the answer is ok.
std::string LedLine(device::State state, device::Rgb led, const device::MoodAnswer& answer,
                    bool ansi, const device::WireEmotion* on_device = nullptr);

}  // namespace moodtune::device_sim
