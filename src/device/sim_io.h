// Linux implementations of the firmware core's Clock and DeviceIo for the simulator.
// Private to src/device. Thread-safety: one instance per simulator thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "moodtune/status.h"
#include "moodtune_core/device_core.h"
#include "moodtune_core/url.h"

namespace moodtune::device_sim {

class SteadyClock final : public device::Clock {
 public:
  std::uint32_t NowMs() override;

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

// Yields JPEG bytes: from files (cycled) or from a camera.
class FrameSource {
 public:
  virtual ~FrameSource() = default;
  // Replaces *jpeg with the next image; false when none can be produced.
  virtual bool Next(std::vector<std::uint8_t>* jpeg, std::string* name) = 0;
};
Result<std::unique_ptr<FrameSource>> OpenImageFolder(const std::filesystem::path& dir);
Result<std::unique_ptr<FrameSource>> OpenCamera(const std::string& device);

using StateHook = std::function<void(device::State, device::State, const char*)>;

class LinuxDeviceIo final : public device::DeviceIo {
 public:
  LinuxDeviceIo(device::ServerUrl url, std::unique_ptr<FrameSource> source,
                std::uint32_t timeout_ms, StateHook hook);
  ~LinuxDeviceIo();

  bool WifiConnected() override { return true; }  // the host's network is up or unreachable
  void WifiReconnect() override {}
  bool Capture(device::Frame* out) override;
  void ReleaseFrame() override {}
  device::HttpReply Post(const device::UploadRequest& req, char* body, std::size_t cap) override;
  // The JPEG decoded to gray as device_int8_eval decodes the dev photos (OpenCV's
  // IMREAD_GRAYSCALE: libjpeg's luma, which DecodeImageGray gives through libjpeg-turbo), so
  // the simulator's on-device read is the measured path.
  bool DecodeGray(const device::Frame& frame, device::GrayImage* out) override;
  void SetLed(device::Rgb color) override { led_ = color; }
  std::uint32_t Random() override { return rng_(); }
  void OnStateChange(device::State from, device::State to, const char* detail) override {
    if (hook_) hook_(from, to, detail);
  }

  const std::string& frame_name() const { return frame_name_; }

 private:
  device::ServerUrl url_;
  std::unique_ptr<FrameSource> source_;
  std::uint32_t timeout_ms_;
  StateHook hook_;
  std::vector<std::uint8_t> jpeg_;
  std::vector<std::uint8_t> gray_;
  std::string frame_name_;
  std::string request_body_;
  device::Rgb led_;
  std::mt19937 rng_{std::random_device{}()};
};

}  // namespace moodtune::device_sim
