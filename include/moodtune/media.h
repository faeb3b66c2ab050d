// Media I/O beside decoding (vision.h): JPEG encoding through libjpeg-turbo, in the process;
// other formats (PNG, BMP, WebP, ...) and the V4L2 camera through libmoodtune_media.so, our
// own small library around OpenCV's imgcodecs and videoio, loaded on first need (issue 12:
// those two OpenCV modules load ~220 shared libraries - GDAL, FFmpeg, GStreamer - which cost
// every start of `moodtune` 0.2 s before they were moved out of the binary).
// Thread-safety: EncodeJpeg, EncodeImage, WriteImageFile and OpenVideoCamera may be called
// from any thread; one Camera is used by one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "moodtune/status.h"

namespace moodtune {

// The file name of the media library.
inline constexpr const char* kMediaLibraryName = "libmoodtune_media.so";

struct MediaOptions {
  // The media library to load. "" = kMediaLibraryName next to the executable, then in the
  // install's library folder beside it (<bin>/../lib/moodtune/), then wherever the dynamic
  // loader finds the bare name (LD_LIBRARY_PATH, ld.so.cache). A path given here is the only
  // place looked at.
  std::string library;
};

// JPEG bytes of an 8-bit gray, BGR or BGRA image (alpha dropped), baseline, 4:2:0 chroma
// (4:0:0 for gray), accurate DCT: the same pixels as OpenCV's imencode(".jpg") gave (a test
// checks). quality 1..100.
// InvalidArgument for an empty or non-8-bit image or a quality out of range; Internal when
// libjpeg-turbo fails.
Result<std::vector<std::uint8_t>> EncodeJpeg(const cv::Mat& image, int quality);

// `image` encoded in the format its extension names (".png", ".bmp", ".webp", ".jpg", ...;
// case-insensitive): JPEG through EncodeJpeg at quality 95 (OpenCV's default), the others
// through the media library (what cv::imencode supports). Unsupported for an extension no
// codec handles, Unavailable when the media library cannot be loaded (the message says
// which format needed it and the loader's reason), InvalidArgument for an empty image.
Result<std::vector<std::uint8_t>> EncodeImage(const std::string& ext, const cv::Mat& image,
                                              const MediaOptions& opts = {});

// Writes `image` to `path` in the format of its extension (EncodeImage). Errors as
// EncodeImage's; Unavailable when the file cannot be written. Messages start with `path`.
Status WriteImageFile(const std::string& path, const cv::Mat& image, const MediaOptions& opts = {});

// A video camera (OpenCV videoio, V4L2) opened through the media library.
class Camera {
 public:
  virtual ~Camera() = default;
  // The next frame, 8-bit BGR. Unavailable when none can be read.
  virtual Result<cv::Mat> Read() = 0;
};

// Opens a V4L2 camera (e.g. "/dev/video0") and asks it for width x height pixels.
// InvalidArgument when it cannot be opened; Unsupported when the media library was built
// without camera support (MOODTUNE_WITH_CAMERA=OFF); Unavailable when the library cannot be
// loaded.
Result<std::unique_ptr<Camera>> OpenVideoCamera(const std::string& device, int width, int height,
                                                const MediaOptions& opts = {});

}  // namespace moodtune
