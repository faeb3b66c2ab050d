// EXIF orientation: reading the Orientation tag (0x0112) of a JPEG's APP1 "Exif" segment and
// turning a decoded image upright by it, as OpenCV's imdecode did before JPEG decoding moved
// to libjpeg-turbo (jpeg_codec.h). The input is untrusted: a malformed, truncated or hostile
// segment (offsets past its end, absurd entry counts) reads as orientation 1, never outside
// the bytes given.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <opencv2/core.hpp>
#include <span>

namespace moodtune {

// The Orientation (1..8) in an APP1 payload: the bytes after the segment's length field,
// "Exif\0\0" then a TIFF header (II or MM byte order), IFD0 and its entries. 1 when the
// payload is not EXIF, is malformed or truncated, has no Orientation in IFD0, or holds a
// value outside 1..8 or of another type than SHORT.
int ParseExifOrientation(std::span<const std::uint8_t> app1);

// The Orientation of a JPEG stream: the first APP1 Exif segment among the marker segments
// after SOI and before the first scan (SOS). 1 when there is none or the marker walk breaks.
int JpegExifOrientation(std::span<const std::uint8_t> jpeg);

// `img` (as stored) as it is displayed for `orientation`: 2 mirrored left-right, 3 turned
// 180 degrees, 4 mirrored top-bottom, 5 transposed, 6 turned 90 degrees clockwise, 7
// transposed and turned 180, 8 turned 90 counter-clockwise (OpenCV's ExifTransform). Any
// other value returns `img` itself (shared, not copied). 5-8 swap width and height. Throws
// cv::Exception only when allocation fails.
cv::Mat ApplyExifOrientation(const cv::Mat& img, int orientation);

}  // namespace moodtune
