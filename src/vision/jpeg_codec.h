// JPEG decoding through libjpeg-turbo's TurboJPEG API, without OpenCV's imgcodecs (issue 12:
// imgcodecs loads GDAL, Poppler, HDF5 and ~130 more libraries at every start). Encoding is
// public: EncodeJpeg in moodtune/media.h.
// Thread-safety: pure functions; each call has its own TurboJPEG handle.
#pragma once

#include <cstdint>
#include <opencv2/core.hpp>
#include <span>

#include "moodtune/status.h"

namespace moodtune {

struct JpegDecodeRequest {
  int reduce = 1;               // decode at 1/reduce of the stored size: 1, 2, 4 or 8 (DCT scaling)
  bool gray = false;            // 8-bit gray (the luma plane) instead of 8-bit BGR
  std::int64_t max_pixels = 0;  // refuse streams whose own header is above this (0 = no limit)
};

// Whether libjpeg-turbo decodes at 1/reduce (tjGetScalingFactors lists 1/reduce).
bool JpegCanReduceBy(int reduce);

// Decodes `jpeg`, as stored (EXIF orientation not applied: exif.h), to CV_8UC3 BGR or
// CV_8UC1. The size is the stored size divided by `reduce`, rounded up (TJSCALED). Gray,
// YCbCr and RGB streams convert in libjpeg; CMYK/YCCK streams (Adobe's inverted CMYK) are
// decoded to CMYK and converted as OpenCV's imdecode converts them. libjpeg's warnings
// (corrupt but decodable data) are accepted as OpenCV accepted them; callers refuse
// truncated streams first (image_header.h). Progressive streams with more than 500 scans
// are refused (TJFLAG_LIMITSCANS: a CPU bomb). InvalidArgument for undecodable data,
// ResourceExhausted above max_pixels, Internal when libjpeg-turbo cannot start.
Result<cv::Mat> DecodeJpeg(std::span<const std::uint8_t> jpeg, const JpegDecodeRequest& req);

// Adobe's inverted CMYK (as libjpeg hands it out) to BGR, OpenCV's formula:
// channel = k - (255 - c) * k / 256 for c, m, y -> r, g, b. `cmyk` is CV_8UC4.
cv::Mat InvertedCmykToBgr(const cv::Mat& cmyk);

}  // namespace moodtune
