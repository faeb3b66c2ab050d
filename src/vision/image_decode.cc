#include <algorithm>
#include <fstream>
#include <iterator>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <string>
#include <vector>

#include "image_header.h"
#include "moodtune/vision.h"

namespace moodtune {

namespace {
// Decodes `bytes`, whose header the caller has probed, shrunk by `reduce` (1, 2, 4 or 8).
Result<cv::Mat> Decode(std::span<const std::uint8_t> bytes, const ImageHeader& header,
                       const DecodeOptions& opts, int reduce) {
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
  try {
    // A Mat header over the caller's bytes; imdecode does not write to it.
    const cv::Mat buf(1, static_cast<int>(bytes.size()), CV_8UC1,
                      const_cast<std::uint8_t*>(bytes.data()));
    // IMREAD_COLOR: 8-bit BGR out of gray/RGBA/16-bit inputs, and (OpenCV >= 3.1, checked by
    // image_decode_test's EXIF cases on 4.6) the EXIF orientation applied.
    const int flags = reduce == 8   ? cv::IMREAD_REDUCED_COLOR_8
                      : reduce == 4 ? cv::IMREAD_REDUCED_COLOR_4
                      : reduce == 2 ? cv::IMREAD_REDUCED_COLOR_2
                                    : cv::IMREAD_COLOR;
    cv::Mat img = cv::imdecode(buf, flags);
    if (img.empty()) return Status::InvalidArgument("undecodable image data");
    if (img.type() != CV_8UC3) return Status::Internal("decoder returned an unexpected type");
    return img;
  } catch (const cv::Exception& e) {
    return Status::InvalidArgument(std::string("undecodable image data: ") + e.what());
  }
}
}  // namespace

Result<cv::Mat> DecodeImage(std::span<const std::uint8_t> bytes, const DecodeOptions& opts) {
  Result<ImageHeader> header = ProbeImageHeader(bytes);
  if (!header.ok()) return header.status();
  return Decode(bytes, *header, opts, 1);
}

Result<ReducedImage> DecodeImageReduced(std::span<const std::uint8_t> bytes,
                                        const DecodeOptions& opts, int min_long_side) {
  Result<ImageHeader> header = ProbeImageHeader(bytes);
  if (!header.ok()) return header.status();
  const int long_side = static_cast<int>(std::max(header->width, header->height));
  int reduce = 1;
  if (header->format == ImageFormat::kJpeg && min_long_side > 0) {
    for (int k : {8, 4, 2}) {
      if (long_side / k >= min_long_side) {
        reduce = k;
        break;
      }
    }
  }
  auto img = Decode(bytes, *header, opts, reduce);
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
