// BlazeFace's network input from a photo: letterbox (blazeface_math.h) and blob in one place,
// shared by the detector and its benchmark.
// Thread-safety: a pure function on values.
#pragma once

#include <opencv2/core.hpp>

#include "blazeface_math.h"

namespace moodtune {

// Letterboxed 1 x side x side x 3 float blob (NHWC, RGB, x/127.5 - 1; padding is black, -1)
// of an 8-bit gray, BGR or BGRA image, laid out by `lb` (MakeLetterbox for this image's
// size). Shrinks with an area filter (a 12 MP photo to 128 px would alias with bilinear).
// Issue 12: the photo is resized first and colour-converted at network size (the conversion
// of the full 640x480 photo cost more than the rest); the result is the same, since a channel
// swap commutes with resizing. Throws cv::Exception on a layout that does not fit the image.
cv::Mat BlazeFaceInput(const cv::Mat& image, const Letterbox& lb);

}  // namespace moodtune
