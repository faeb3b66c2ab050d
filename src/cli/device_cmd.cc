// `moodtune device-sim`: runs the ESP32-CAM firmware core on Linux against a moodtune service.
#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>
#include <unistd.h>

#include "commands.h"
#include "moodtune/device_sim.h"

namespace moodtune::cli {
namespace {

struct DeviceSimFlags {
  device_sim::SimOptions sim;
  std::string interval = "5s";  // capture period: 5s, 500ms, 2m
  bool once = false;            // stop after the first upload outcome
};

int RunDeviceSimCommand(DeviceSimFlags f) {
  auto ms = device_sim::ParseDurationMs(f.interval);
  if (!ms || *ms == 0) {
    std::cerr << "device-sim: --interval must look like 5s, 500ms or 2m\n";
    return 2;
  }
  f.sim.interval_ms = *ms;
  if (f.once) f.sim.max_results = 1;
  f.sim.ansi = f.sim.ansi && isatty(STDOUT_FILENO);
  auto r = device_sim::RunDeviceSim(f.sim, std::cout, std::cerr);
  if (!r.ok()) {
    std::cerr << "device-sim: " << r.status().ToString() << "\n";
    return 1;
  }
  // --once: success means the LED shows an emotion.
  return r->final_state == device::State::kShow ? 0 : 1;
}

}  // namespace

void AddDeviceCommands(CLI::App& app, int* exit_code) {
  auto f = std::make_shared<DeviceSimFlags>();
  auto* sub = app.add_subcommand(
      "device-sim", "Run the ESP32-CAM firmware core on Linux: photo -> service (or --on-device net) -> LED colour");
  auto* server = sub->add_option("--server", f->sim.server,
                                 "Service base URL, http[s]://host:port (optional with --on-device: music only)");
  auto* on_device = sub->add_flag(
      "--on-device", f->sim.on_device,
      "Read the emotion on the device (int8 net, centre crop, as MOODTUNE_ON_DEVICE firmware)");
  sub->add_option("--crop", f->sim.crop_permille,
                  "On-device centre square, per mille of the shorter side")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  auto* images = sub->add_option("--images", f->sim.images, "Folder of .jpg files to send in turn");
  auto* camera = sub->add_option("--camera", f->sim.camera, "V4L2 camera, e.g. /dev/video0");
  images->excludes(camera);
  camera->excludes(images);
  sub->add_option("--interval", f->interval, "Capture period (5s, 500ms, 2m)")->capture_default_str();
  sub->add_flag("--once", f->once, "Stop after the first result; exit 0 only if an emotion shows");
  sub->add_option("--device-id", f->sim.device_id, "X-Device-Id header")->capture_default_str();
  sub->add_option("--api-key", f->sim.api_key, "API key, sent as Authorization: Bearer")
      ->envname("MOODTUNE_API_KEY");
  sub->add_flag("--multipart", f->sim.multipart, "Send multipart/form-data instead of raw image/jpeg");
  sub->add_option("--timeout-ms", f->sim.timeout_ms, "HTTP timeout in ms")->capture_default_str();
  sub->callback([f, exit_code, images, camera, server, on_device] {
    if (server->count() == 0 && on_device->count() == 0) {
      std::cerr << "device-sim: give --server URL (or --on-device to read the emotion without one)\n";
      *exit_code = 2;
      return;
    }
    if (images->count() == 0 && camera->count() == 0) {
      std::cerr << "device-sim: give --images DIR or --camera /dev/videoN\n";
      *exit_code = 2;
      return;
    }
    *exit_code = RunDeviceSimCommand(*f);
  });
}

}  // namespace moodtune::cli
