#include "moodtune/device_sim.h"

#include <charconv>
#include <ostream>
#include <sstream>
#include <thread>
#include <vector>

#include "sim_io.h"

namespace moodtune::device_sim {

std::optional<std::uint32_t> ParseDurationMs(std::string_view text) {
  std::uint64_t value = 0;
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || p == text.data()) return std::nullopt;
  const std::string_view unit(p, static_cast<std::size_t>(end - p));
  std::uint64_t scale = 0;
  if (unit.empty() || unit == "s") scale = 1000;
  else if (unit == "ms") scale = 1;
  else if (unit == "m") scale = 60'000;
  else return std::nullopt;
  if (value > 86'400'000 / scale) return std::nullopt;
  return static_cast<std::uint32_t>(value * scale);
}

std::string LedLine(device::State state, device::Rgb led, const device::MoodAnswer& answer,
                    bool ansi, const device::WireEmotion* on_device) {
  std::ostringstream s;
  if (ansi) {
    s << "\x1b[48;2;" << int(led.r) << ';' << int(led.g) << ';' << int(led.b) << "m      \x1b[0m";
  } else {
    s << "rgb(" << int(led.r) << ',' << int(led.g) << ',' << int(led.b) << ')';
  }
  s << "  " << device::StateName(state);
  if (state == device::State::kShow && on_device != nullptr) {
    s << "  on-device " << device::WireEmotionName(*on_device);
    if (answer.status == device::AnswerStatus::kOk && answer.title[0] != '\0') {
      s << "  " << answer.title;
      if (answer.artist[0] != '\0') s << " - " << answer.artist;
    }
  } else if (state == device::State::kShow) {
    const unsigned c = answer.confidence_milli;
    s << "  " << device::WireEmotionName(answer.emotion) << ' ' << c / 1000 << '.'
      << (c % 1000) / 100 << (c % 100) / 10 << c % 10;
    if (answer.title[0] != '\0') {
      s << "  " << answer.title;
      if (answer.artist[0] != '\0') s << " - " << answer.artist;
    }
    if (answer.url[0] != '\0') s << "  " << answer.url;
  }
  return s.str();
}

Result<SimResult> RunDeviceSim(const SimOptions& o, std::ostream& out, std::ostream& log) {
  device::ServerUrl url;
  const bool upload = !o.server.empty() || !o.on_device;
  if (upload && !device::ParseServerUrl(o.server.c_str(), &url))
    return Status::InvalidArgument("bad --server URL: " + o.server);
  if (o.on_device && (o.crop_permille == 0 || o.crop_permille > 1000))
    return Status::InvalidArgument("crop fraction must be in (0, 1]");
  if (!o.device_id.empty() && !device::IsValidDeviceId(o.device_id.c_str()))
    return Status::InvalidArgument("bad device id: " + o.device_id);
  if (!o.api_key.empty() && !device::IsValidApiKey(o.api_key.c_str()))
    return Status::InvalidArgument("bad API key: printable ASCII without spaces, at most " +
                                   std::to_string(device::kMaxApiKeyLen) + " bytes");
  if (o.interval_ms == 0) return Status::InvalidArgument("interval must be > 0");
  auto source = o.images.empty() ? OpenCamera(o.camera) : OpenImageFolder(o.images);
  if (!source.ok()) return source.status();

  SteadyClock clock;
  const LinuxDeviceIo* io_view = nullptr;
  auto hook = [&](device::State from, device::State to, const char* detail) {
    log << "[" << clock.NowMs() << " ms] " << device::StateName(from) << " -> "
        << device::StateName(to);
    if ((to == device::State::kUpload || (from == device::State::kCapture && o.on_device)) &&
        io_view != nullptr)
      log << " (" << io_view->frame_name() << ")";
    if (detail[0] != '\0') log << " (" << detail << ")";
    log << "\n";
  };
  LinuxDeviceIo io(url, std::move(source).value(), o.timeout_ms, hook);
  io_view = &io;
  device::CoreOptions co;
  co.interval_ms = o.interval_ms;
  co.show_ms = o.show_ms;
  co.encoding = o.multipart ? device::UploadEncoding::kMultipart : device::UploadEncoding::kRawJpeg;
  co.device_id = o.device_id.c_str();
  co.api_key = o.api_key.c_str();
  std::vector<std::uint8_t> arena;  // the firmware's static arena; allocated once, up front
  if (o.on_device) {
    arena.resize(device::OnDeviceArenaBytes(device::kEmotionInt8Net));
    co.on_device_net = &device::kEmotionInt8Net;
    co.on_device_arena = arena.data();
    co.on_device_arena_len = arena.size();
    co.crop_permille = o.crop_permille;
    co.upload = upload;
  }
  device::DeviceCore core(co, &clock, &io);

  SimResult result;
  std::uint32_t seen = 0;
  while (o.max_results == 0 || seen < o.max_results) {
    core.Step();
    if (core.results() != seen) {
      seen = core.results();
      const device::State s = core.state();
      const device::Rgb shown = s == device::State::kShow
                                    ? core.result_color()
                                    : device::ErrorBlink(device::ErrorOf(s)).color;
      const device::WireEmotion read = core.on_device_emotion();
      out << LedLine(s, shown, core.last_answer(), o.ansi, o.on_device ? &read : nullptr)
          << std::endl;
      result.final_state = s;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  result.result_color = core.result_color();
  result.answer = core.last_answer();
  result.results = core.results();
  result.failures = core.failures();
  result.on_device_emotion = core.on_device_emotion();
  return result;
}

}  // namespace moodtune::device_sim
