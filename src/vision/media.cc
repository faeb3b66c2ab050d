// moodtune/media.h: JPEG in the process (jpeg_codec.cc), the rest through the media library.
#include "moodtune/media.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>

#include "media_loader.h"

namespace moodtune {
namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

bool IsJpegExtension(const std::string& ext) {
  return ext == ".jpg" || ext == ".jpeg" || ext == ".jpe";
}

constexpr int kDefaultJpegQuality = 95;  // cv::imwrite's, which the CLI used before

class LibraryCamera final : public Camera {
 public:
  LibraryCamera(const media_abi::Api* api, void* handle) : api_(api), handle_(handle) {}
  ~LibraryCamera() override { api_->camera_close(handle_); }
  LibraryCamera(const LibraryCamera&) = delete;
  LibraryCamera& operator=(const LibraryCamera&) = delete;

  Result<cv::Mat> Read() override {
    cv::Mat frame;
    char err[512] = "";
    if (api_->camera_read(handle_, &frame, err, sizeof err) != 0) {
      return Status::Unavailable(std::string("camera: ") + err);
    }
    if (frame.depth() != CV_8U || frame.channels() != 3) {
      return Status::Internal("camera returned an unexpected frame type");
    }
    return frame;
  }

 private:
  const media_abi::Api* api_;
  void* handle_;
};

}  // namespace

Result<std::vector<std::uint8_t>> EncodeImage(const std::string& ext, const cv::Mat& image,
                                              const MediaOptions& opts) {
  const std::string e = Lower(ext.empty() || ext[0] == '.' ? ext : "." + ext);
  if (IsJpegExtension(e)) return EncodeJpeg(image, kDefaultJpegQuality);
  if (e.size() < 2) return Status::Unsupported("no image format named by \"" + ext + "\"");
  if (image.empty()) return Status::InvalidArgument("cannot encode an empty image");
  std::string name = e.substr(1);
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return std::toupper(c); });
  auto api = LoadMediaLibrary(opts, name + " output");
  if (!api.ok()) return api.status();
  std::vector<std::uint8_t> out;
  char err[512] = "";
  if ((*api)->encode(e.c_str(), &image, &out, err, sizeof err) != 0) {
    return Status::Unsupported(name + " output: " + err);
  }
  return out;
}

Status WriteImageFile(const std::string& path, const cv::Mat& image, const MediaOptions& opts) {
  auto bytes = EncodeImage(std::filesystem::path(path).extension().string(), image, opts);
  if (!bytes.ok()) return Status(bytes.status().code(), path + ": " + bytes.status().message());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return Status::Unavailable(path + ": cannot open the file for writing");
  out.write(reinterpret_cast<const char*>(bytes->data()),
            static_cast<std::streamsize>(bytes->size()));
  out.close();
  if (!out) return Status::Unavailable(path + ": write failed");
  return Status::Ok();
}

Result<std::unique_ptr<Camera>> OpenVideoCamera(const std::string& device, int width, int height,
                                                const MediaOptions& opts) {
  auto api = LoadMediaLibrary(opts, "the camera");
  if (!api.ok()) return api.status();
  const std::string prefix = "cannot open camera " + device + ": ";
  if (!(*api)->has_camera) {
    return Status::Unsupported(prefix +
                               "this build has no camera support (MOODTUNE_WITH_CAMERA=OFF)");
  }
  char err[512] = "";
  void* handle = (*api)->camera_open(device.c_str(), width, height, err, sizeof err);
  if (handle == nullptr) return Status::InvalidArgument(prefix + err);
  return std::unique_ptr<Camera>(std::make_unique<LibraryCamera>(*api, handle));
}

}  // namespace moodtune
