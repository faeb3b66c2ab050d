// libmoodtune_media.so: OpenCV's imgcodecs (and videoio with MOODTUNE_WITH_CAMERA) behind
// media_abi.h, so that the `moodtune` binary links neither. Built with hidden visibility;
// only the entry point is exported.
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <string>
#ifdef MOODTUNE_WITH_CAMERA
#include <opencv2/videoio.hpp>
#endif

#include "media_abi.h"

namespace moodtune::media_abi {
namespace {

int Fail(char* err, std::size_t err_size, const std::string& message) {
  if (err != nullptr && err_size > 0) std::snprintf(err, err_size, "%s", message.c_str());
  return 1;
}

// The exception's message, for cv::Exception, std::exception (bad_alloc) and the rest.
std::string Describe(std::exception_ptr e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    return x.what();
  } catch (...) {
    return "unknown exception";
  }
}

// cv::imdecode hands a stream to the first codec whose signature matches. Every format we
// accept is identified by its first bytes, except DICOM ("DICM" at byte 128): a WebP whose
// header libwebp rejects fell through to GDCM, which abort()s on malformed data (found by
// fuzz/image_decode_fuzzer.cc; the process died, the server with it). Nothing we read is
// DICOM, so such streams are refused before OpenCV sees them.
bool ClaimedByDicom(const std::uint8_t* data, std::size_t size) {
  return size >= 132 && std::memcmp(data + 128, "DICM", 4) == 0;
}

int Decode(const std::uint8_t* data, std::size_t size, int mode, cv::Mat* out, char* err,
           std::size_t err_size) noexcept {
  try {
    out->release();
    if (ClaimedByDicom(data, size)) {
      return Fail(err, err_size, "undecodable image data (a DICOM signature at byte 128)");
    }
    // A Mat header over the caller's bytes; imdecode does not write to it.
    const cv::Mat buf(1, static_cast<int>(size), CV_8UC1, const_cast<std::uint8_t*>(data));
    *out = cv::imdecode(buf, mode == kDecodeGray ? cv::IMREAD_GRAYSCALE : cv::IMREAD_COLOR);
    if (out->empty()) return Fail(err, err_size, "undecodable image data");
    return 0;
  } catch (...) {
    out->release();
    return Fail(err, err_size, "undecodable image data: " + Describe(std::current_exception()));
  }
}

int Encode(const char* ext, const cv::Mat* image, std::vector<std::uint8_t>* out, char* err,
           std::size_t err_size) noexcept {
  try {
    if (!cv::haveImageWriter(ext)) {
      return Fail(err, err_size, std::string("no encoder for ") + ext);
    }
    if (!cv::imencode(ext, *image, *out)) return Fail(err, err_size, "encoding failed");
    return 0;
  } catch (...) {
    return Fail(err, err_size, Describe(std::current_exception()));
  }
}

#ifdef MOODTUNE_WITH_CAMERA
void* CameraOpen(const char* device, int width, int height, char* err,
                 std::size_t err_size) noexcept {
  try {
    auto cap = std::make_unique<cv::VideoCapture>(device, cv::CAP_V4L2);
    if (!cap->isOpened()) {
      Fail(err, err_size, "cannot open camera");
      return nullptr;
    }
    cap->set(cv::CAP_PROP_FRAME_WIDTH, width);
    cap->set(cv::CAP_PROP_FRAME_HEIGHT, height);
    return cap.release();
  } catch (...) {
    Fail(err, err_size, Describe(std::current_exception()));
    return nullptr;
  }
}

int CameraRead(void* camera, cv::Mat* frame, char* err, std::size_t err_size) noexcept {
  try {
    if (!static_cast<cv::VideoCapture*>(camera)->read(*frame) || frame->empty()) {
      return Fail(err, err_size, "no frame");
    }
    return 0;
  } catch (...) {
    return Fail(err, err_size, Describe(std::current_exception()));
  }
}

void CameraClose(void* camera) noexcept {
  try {
    delete static_cast<cv::VideoCapture*>(camera);
  } catch (...) {  // a destructor that throws: nothing left to do
  }
}
constexpr std::uint32_t kHasCamera = 1;
#else
void* CameraOpen(const char*, int, int, char* err, std::size_t err_size) noexcept {
  Fail(err, err_size, "this build has no camera support (MOODTUNE_WITH_CAMERA=OFF)");
  return nullptr;
}
int CameraRead(void*, cv::Mat*, char* err, std::size_t err_size) noexcept {
  return Fail(err, err_size, "this build has no camera support (MOODTUNE_WITH_CAMERA=OFF)");
}
void CameraClose(void*) noexcept {}
constexpr std::uint32_t kHasCamera = 0;
#endif

const Api kApi = {kVersion, kHasCamera, Decode, Encode, CameraOpen, CameraRead, CameraClose};

}  // namespace
}  // namespace moodtune::media_abi

extern "C" __attribute__((visibility("default"))) const moodtune::media_abi::Api*
moodtune_media_api_v1() {
  return &moodtune::media_abi::kApi;
}
