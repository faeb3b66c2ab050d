#include "sim_io.h"

#include <httplib.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <fstream>
#include <iterator>
#include <opencv2/imgproc.hpp>

#include "moodtune/media.h"
#include "moodtune/vision.h"

namespace moodtune::device_sim {
namespace {
namespace fs = std::filesystem;

class FolderSource : public FrameSource {
 public:
  explicit FolderSource(std::vector<fs::path> files) : files_(std::move(files)) {}
  bool Next(std::vector<std::uint8_t>* jpeg, std::string* name) override {
    // Skip unreadable files but give up after one full lap, so a folder of broken files ends
    // in a camera error rather than a spin.
    for (std::size_t tries = 0; tries < files_.size(); ++tries) {
      const fs::path& p = files_[next_++ % files_.size()];
      std::ifstream in(p, std::ios::binary);
      if (!in) continue;
      jpeg->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
      *name = p.filename().string();
      return !jpeg->empty();
    }
    return false;
  }

 private:
  std::vector<fs::path> files_;
  std::size_t next_ = 0;
};

class CameraSource : public FrameSource {
 public:
  CameraSource(std::unique_ptr<Camera> camera, std::string device)
      : camera_(std::move(camera)), device_(std::move(device)) {}
  bool Next(std::vector<std::uint8_t>* jpeg, std::string* name) override {
    auto frame = camera_->Read();
    if (!frame.ok()) return false;
    cv::Mat img = *frame;
    try {
      // The ESP32-CAM sends VGA JPEGs; match that so the service sees what a device sends.
      if (img.cols > 640) cv::resize(img, img, {640, img.rows * 640 / img.cols});
    } catch (const cv::Exception&) {
      return false;
    }
    auto bytes = EncodeJpeg(img, 80);
    if (!bytes.ok()) return false;
    *jpeg = std::move(bytes).value();
    *name = device_;
    return true;
  }

 private:
  std::unique_ptr<Camera> camera_;
  std::string device_;
};

bool IsJpegName(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".jpg" || ext == ".jpeg";
}

}  // namespace

std::uint32_t SteadyClock::NowMs() {
  const auto d = std::chrono::steady_clock::now() - start_;
  return static_cast<std::uint32_t>(std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
}

Result<std::unique_ptr<FrameSource>> OpenImageFolder(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return Status::InvalidArgument(dir.string() + " is not a directory");
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.is_regular_file() && IsJpegName(e.path())) files.push_back(e.path());
  if (ec) return Status::InvalidArgument("cannot list " + dir.string() + ": " + ec.message());
  if (files.empty()) return Status::InvalidArgument("no .jpg/.jpeg files in " + dir.string());
  std::sort(files.begin(), files.end());
  return std::unique_ptr<FrameSource>(std::make_unique<FolderSource>(std::move(files)));
}

Result<std::unique_ptr<FrameSource>> OpenCamera(const std::string& device) {
  // OpenCV's videoio, in libmoodtune_media.so: loaded only when a camera is asked for.
  auto camera = OpenVideoCamera(device, 640, 480);
  if (!camera.ok()) return camera.status();
  return std::unique_ptr<FrameSource>(
      std::make_unique<CameraSource>(std::move(camera).value(), device));
}

LinuxDeviceIo::LinuxDeviceIo(device::ServerUrl url, std::unique_ptr<FrameSource> source,
                             std::uint32_t timeout_ms, StateHook hook)
    : url_(url), source_(std::move(source)), timeout_ms_(timeout_ms), hook_(std::move(hook)) {}

LinuxDeviceIo::~LinuxDeviceIo() = default;

bool LinuxDeviceIo::Capture(device::Frame* out) {
  if (!source_->Next(&jpeg_, &frame_name_)) return false;
  out->data = jpeg_.data();
  out->len = jpeg_.size();
  return true;
}

bool LinuxDeviceIo::DecodeGray(const device::Frame& frame, device::GrayImage* out) {
  // libjpeg's luma through libjpeg-turbo, as OpenCV's IMREAD_GRAYSCALE gave it.
  auto g = DecodeImageGray({frame.data, frame.len});
  if (!g.ok() || g->cols > 65535 || g->rows > 65535) return false;
  gray_.resize(g->total());
  for (int y = 0; y < g->rows; ++y) std::memcpy(gray_.data() + y * g->cols, g->ptr(y), g->cols);
  out->pixels = gray_.data();
  out->width = static_cast<std::uint16_t>(g->cols);
  out->height = static_cast<std::uint16_t>(g->rows);
  out->stride = static_cast<std::uint32_t>(g->cols);
  return true;
}

device::HttpReply LinuxDeviceIo::Post(const device::UploadRequest& req, char* body,
                                      std::size_t cap) {
  device::HttpReply reply;
  // The firmware streams head + JPEG + tail; on the host one contiguous body is simpler.
  request_body_.assign(req.head, req.head_len);
  request_body_.append(reinterpret_cast<const char*>(req.jpeg), req.jpeg_len);
  request_body_.append(req.tail, req.tail_len);
  httplib::Headers headers;
  if (req.device_id[0] != '\0') headers.emplace(device::kDeviceIdHeader, req.device_id);
  if (req.authorization[0] != '\0') headers.emplace(device::kAuthorizationHeader, req.authorization);
  const std::string origin = std::string(url_.https ? "https://" : "http://") + url_.host + ":" +
                             std::to_string(url_.port);
#ifndef CPPHTTPLIB_OPENSSL_SUPPORT
  if (url_.https) return reply;  // built without OpenSSL: HTTPS servers count as unreachable
#endif
  httplib::Client client(origin);
  const auto sec = static_cast<time_t>(timeout_ms_ / 1000);
  const auto usec = static_cast<time_t>((timeout_ms_ % 1000) * 1000);
  client.set_connection_timeout(sec, usec);
  client.set_read_timeout(sec, usec);
  client.set_write_timeout(sec, usec);
  client.set_tcp_nodelay(true);  // small request + answer: Nagle would add ~40 ms
  auto res = client.Post(url_.path, headers, request_body_.data(), request_body_.size(),
                         req.content_type);
  if (!res) return reply;
  reply.reached = true;
  reply.http_status = static_cast<std::uint16_t>(res->status);
  const std::string& b = res->body;
  reply.body_len = std::min(b.size(), cap);
  reply.truncated = b.size() > cap;
  std::memcpy(body, b.data(), reply.body_len);
  // Handed over raw, cut to fit, as the firmware adapter does; the core parses it.
  const std::string retry_after = res->get_header_value(device::kRetryAfterHeader);
  const std::size_t n = std::min(retry_after.size(), sizeof(reply.retry_after) - 1);
  std::memcpy(reply.retry_after, retry_after.data(), n);
  reply.retry_after[n] = '\0';
  return reply;
}

}  // namespace moodtune::device_sim
