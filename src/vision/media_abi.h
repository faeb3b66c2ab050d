// The interface between moodtune and libmoodtune_media.so (media_library.cc): one exported
// C function returns a table of functions. Both sides are built from this header in the
// same build and share libopencv_core, so cv::Mat and std::vector cross it; no exception
// does (every function catches inside and reports through `err`).
// Thread-safety: every function may be called from any thread, one camera from one thread
// at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace cv {
class Mat;
}

namespace moodtune::media_abi {

// Bumped whenever the table changes; the loader refuses another version.
inline constexpr std::uint32_t kVersion = 1;
// The one exported symbol: `const Api* moodtune_media_api_v1()`.
inline constexpr const char* kEntryPoint = "moodtune_media_api_v1";

enum DecodeMode : int { kDecodeColor = 0, kDecodeGray = 1 };

// Each function returns 0 on success; otherwise non-zero, with a NUL-terminated message in
// err[0..err_size).
struct Api {
  std::uint32_t version;     // kVersion
  std::uint32_t has_camera;  // 1 when built with MOODTUNE_WITH_CAMERA
  // cv::imdecode with IMREAD_COLOR (8-bit BGR) or IMREAD_GRAYSCALE, EXIF orientation
  // applied as OpenCV does. Streams OpenCV would give to its DICOM codec (GDCM, which aborts
  // on malformed input) are refused. *out is left empty on failure.
  int (*decode)(const std::uint8_t* data, std::size_t size, int mode, cv::Mat* out, char* err,
                std::size_t err_size);
  // cv::imencode(ext, image) with OpenCV's default parameters into *out.
  int (*encode)(const char* ext, const cv::Mat* image, std::vector<std::uint8_t>* out, char* err,
                std::size_t err_size);
  // A cv::VideoCapture on `device` (CAP_V4L2) asked for width x height; nullptr on failure.
  // The handle is closed with camera_close.
  void* (*camera_open)(const char* device, int width, int height, char* err, std::size_t err_size);
  // The camera's next frame (BGR) into *frame.
  int (*camera_read)(void* camera, cv::Mat* frame, char* err, std::size_t err_size);
  void (*camera_close)(void* camera);
};

using EntryPoint = const Api* (*)();

}  // namespace moodtune::media_abi
