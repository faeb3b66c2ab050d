#include <algorithm>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "exif.h"
#include "image_header.h"
#include "jpeg_codec.h"
#include "media_loader.h"
#include "moodtune/vision.h"

namespace moodtune {

namespace {

const char* FormatName(ImageFormat f) {
  switch (f) {
    case ImageFormat::kJpeg:
      return "JPEG";
    case ImageFormat::kPng:
      return "PNG";
    case ImageFormat::kBmp:
      return "BMP";
    case ImageFormat::kWebp:
      return "WebP";
  }
  return "image";
}

// Decodes `bytes`, whose header the caller has probed, shrunk by `reduce` (1, 2, 4 or 8;
// JPEG only), to BGR or gray, upright by its EXIF orientation.
Result<cv::Mat> Decode(std::span<const std::uint8_t> bytes, const ImageHeader& header,
                       const DecodeOptions& opts, int reduce, bool gray) {
  // The pixel limit is checked on the header so a bomb never reaches the decoder.
  // Divided, not multiplied: PNG sizes are 32-bit, so width * height can overflow int64
  // (found by fuzz/image_decode_fuzzer.cc). The probe guarantees both are > 0.
  if (header.width > opts.max_pixels / header.height) {
    return Status::ResourceExhausted("image is " + std::to_string(header.width) + "x" +
                                     std::to_string(header.height) + ", above the limit of " +
                                     std::to_string(opts.max_pixels) + " pixels");
  }
  // libjpeg "succeeds" on a cut-off stream, filling the rest with grey; refuse instead.
  if (!header.complete) return Status::InvalidArgument("truncated image data");
  if (header.format != ImageFormat::kJpeg) {
    // OpenCV's imdecode in the media library: EXIF applied there as it always was.
    return MediaDecode(bytes, gray, FormatName(header.format), opts.media);
  }
  // Issue 12: JPEG (phones, the web page, the ESP32-CAM) through libjpeg-turbo in the process.
  auto img = DecodeJpeg(bytes, {reduce, gray, opts.max_pixels});
  if (!img.ok()) return img.status();
  try {
    return ApplyExifOrientation(*img, JpegExifOrientation(bytes));
  } catch (const cv::Exception& e) {
    return Status::Internal(std::string("cannot orient the image: ") + e.what());
  }
}

Result<cv::Mat> ProbeAndDecode(std::span<const std::uint8_t> bytes, const DecodeOptions& opts,
                               bool gray) {
  Result<ImageHeader> header = ProbeImageHeader(bytes);
  if (!header.ok()) return header.status();
  return Decode(bytes, *header, opts, 1, gray);
}

}  // namespace

Result<cv::Mat> DecodeImage(std::span<const std::uint8_t> bytes, const DecodeOptions& opts) {
  return ProbeAndDecode(bytes, opts, false);
}

Result<cv::Mat> DecodeImageGray(std::span<const std::uint8_t> bytes, const DecodeOptions& opts) {
  return ProbeAndDecode(bytes, opts, true);
}

Result<ReducedImage> DecodeImageReduced(std::span<const std::uint8_t> bytes,
                                        const DecodeOptions& opts, int min_long_side) {
  Result<ImageHeader> header = ProbeImageHeader(bytes);
  if (!header.ok()) return header.status();
  const int long_side = static_cast<int>(std::max(header->width, header->height));
  int reduce = 1;
  if (header->format == ImageFormat::kJpeg && min_long_side > 0) {
    // Powers of two only (libjpeg-turbo also offers 3/8, 5/8, ...): the detector's input
    // and figures stay those of the OpenCV decoder this replaced.
    for (int k : {8, 4, 2}) {
      if (long_side / k >= min_long_side && JpegCanReduceBy(k)) {
        reduce = k;
        break;
      }
    }
  }
  auto img = Decode(bytes, *header, opts, reduce, false);
  if (!img.ok()) return img.status();
  ReducedImage out;
  out.bgr = std::move(img).value();
  // The decoder rounds the reduced size up; the long side gives the exact ratio whatever
  // the EXIF rotation did.
  out.scale = static_cast<double>(long_side) / std::max(out.bgr.cols, out.bgr.rows);
  const bool rotated = (out.bgr.cols > out.bgr.rows) != (header->width > header->height);
  out.width = static_cast<int>(rotated ? header->height : header->width);
  out.height = static_cast<int>(rotated ? header->width : header->height);
  return out;
}

Result<cv::Mat> ReadImageFile(const std::string& path, const DecodeOptions& opts) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot read " + path);
  std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                  std::istreambuf_iterator<char>());
  if (in.bad()) return Status::NotFound("cannot read " + path);
  Result<cv::Mat> img = DecodeImage(bytes, opts);
  if (!img.ok()) return Status(img.status().code(), path + ": " + img.status().message());
  return img;
}

}  // namespace moodtune
