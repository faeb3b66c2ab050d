#include "jpeg_codec.h"

#include <turbojpeg.h>

#include <memory>
#include <opencv2/imgproc.hpp>
#include <string>
#include <vector>

#include "moodtune/media.h"

namespace moodtune {
namespace {

struct TjDestroy {
  void operator()(void* h) const { tjDestroy(h); }
};
using TjHandle = std::unique_ptr<void, TjDestroy>;
struct TjFree {
  void operator()(unsigned char* p) const { tjFree(p); }
};

std::string TjError(void* handle) { return tjGetErrorStr2(handle); }

}  // namespace

bool JpegCanReduceBy(int reduce) {
  if (reduce == 1) return true;
  int n = 0;
  const tjscalingfactor* f = tjGetScalingFactors(&n);
  for (int i = 0; f != nullptr && i < n; ++i) {
    if (f[i].num == 1 && f[i].denom == reduce) return true;
  }
  return false;
}

cv::Mat InvertedCmykToBgr(const cv::Mat& cmyk) {
  cv::Mat bgr(cmyk.size(), CV_8UC3);
  for (int y = 0; y < cmyk.rows; ++y) {
    const std::uint8_t* in = cmyk.ptr<std::uint8_t>(y);
    std::uint8_t* out = bgr.ptr<std::uint8_t>(y);
    for (int x = 0; x < cmyk.cols; ++x, in += 4, out += 3) {
      const int k = in[3];
      out[2] = static_cast<std::uint8_t>(k - (((255 - in[0]) * k) >> 8));
      out[1] = static_cast<std::uint8_t>(k - (((255 - in[1]) * k) >> 8));
      out[0] = static_cast<std::uint8_t>(k - (((255 - in[2]) * k) >> 8));
    }
  }
  return bgr;
}

Result<cv::Mat> DecodeJpeg(std::span<const std::uint8_t> jpeg, const JpegDecodeRequest& req) {
  if (jpeg.empty()) return Status::InvalidArgument("empty input (0 bytes)");
  if (!JpegCanReduceBy(req.reduce)) {
    return Status::Internal("libjpeg-turbo cannot decode at 1/" + std::to_string(req.reduce));
  }
  TjHandle tj(tjInitDecompress());
  if (!tj) return Status::Internal("libjpeg-turbo: " + TjError(nullptr));
  // TurboJPEG also fails the header call for a warning, or for a subsampling it cannot name
  // (which decoding does not need); the fields are set whenever the header itself was read.
  int width = 0, height = 0, subsamp = -1, colorspace = -1;
  tjDecompressHeader3(tj.get(), jpeg.data(), jpeg.size(), &width, &height, &subsamp, &colorspace);
  if (width <= 0 || height <= 0 || colorspace < 0) {
    return Status::InvalidArgument("undecodable image data: " + TjError(tj.get()));
  }
  // The caller checked the probe's size; libjpeg's own reading of the header is what is
  // allocated, so it is checked too.
  if (req.max_pixels > 0 && width > req.max_pixels / height) {
    return Status::ResourceExhausted("image is " + std::to_string(width) + "x" +
                                     std::to_string(height) + ", above the limit of " +
                                     std::to_string(req.max_pixels) + " pixels");
  }
  const tjscalingfactor sf{1, req.reduce};
  const int w = TJSCALED(width, sf), h = TJSCALED(height, sf);
  const bool cmyk = colorspace == TJCS_CMYK || colorspace == TJCS_YCCK;
  const int format = cmyk ? TJPF_CMYK : req.gray ? TJPF_GRAY : TJPF_BGR;
  const int type = cmyk ? CV_8UC4 : req.gray ? CV_8UC1 : CV_8UC3;
  cv::Mat out(h, w, type);
  auto decode = [&] {
    return tjDecompress2(tj.get(), jpeg.data(), jpeg.size(), out.data, w,
                         static_cast<int>(out.step), h, format, TJFLAG_LIMITSCANS);
  };
  if (decode() != 0) {
    if (tjGetErrorCode(tj.get()) != TJERR_WARNING) {
      return Status::InvalidArgument("undecodable image data: " + TjError(tj.get()));
    }
    // A warning (corrupt data, decoded anyway as libjpeg and OpenCV do). TurboJPEG reports
    // a fatal error after a warning as a warning too, leaving rows unwritten: decode again
    // into zeros so that no stale heap bytes become pixels.
    out = cv::Mat::zeros(h, w, type);
    decode();
  }
  if (!cmyk) return out;
  cv::Mat bgr = InvertedCmykToBgr(out);
  if (!req.gray) return bgr;
  cv::Mat gray;
  cv::cvtColor(bgr, gray, cv::COLOR_BGR2GRAY);
  return gray;
}

Result<std::vector<std::uint8_t>> EncodeJpeg(const cv::Mat& image, int quality) {
  if (image.empty()) return Status::InvalidArgument("cannot encode an empty image");
  if (image.depth() != CV_8U) return Status::InvalidArgument("JPEG needs an 8-bit image");
  if (quality < 1 || quality > 100) {
    return Status::InvalidArgument("JPEG quality must be 1..100, not " + std::to_string(quality));
  }
  const int channels = image.channels();
  if (channels != 1 && channels != 3 && channels != 4) {
    return Status::InvalidArgument("JPEG needs a gray, BGR or BGRA image");
  }
  const int format = channels == 1 ? TJPF_GRAY : channels == 3 ? TJPF_BGR : TJPF_BGRA;
  TjHandle tj(tjInitCompress());
  if (!tj) return Status::Internal("libjpeg-turbo: " + TjError(nullptr));
  unsigned char* buf = nullptr;  // allocated by TurboJPEG, freed by `owned`
  unsigned long size = 0;
  const int rc =
      tjCompress2(tj.get(), image.data, image.cols, static_cast<int>(image.step[0]), image.rows,
                  format, &buf, &size, channels == 1 ? TJSAMP_GRAY : TJSAMP_420, quality,
                  TJFLAG_ACCURATEDCT);  // libjpeg's default, and OpenCV's
  const std::unique_ptr<unsigned char, TjFree> owned(buf);
  if (rc != 0) return Status::Internal("JPEG encoding failed: " + TjError(tj.get()));
  return std::vector<std::uint8_t>(buf, buf + size);
}

}  // namespace moodtune
