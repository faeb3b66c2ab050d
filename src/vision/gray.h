// 8-bit gray view of a gray, BGR or BGRA image (private to src/vision).
// Thread-safety: pure.
#pragma once

#include <opencv2/imgproc.hpp>

namespace moodtune {

// Returns `image` itself when it already has one channel (no copy).
inline cv::Mat ToGray(const cv::Mat& image) {
  if (image.channels() == 1) return image;
  cv::Mat gray;
  cv::cvtColor(image, gray, image.channels() == 4 ? cv::COLOR_BGRA2GRAY : cv::COLOR_BGR2GRAY);
  return gray;
}

}  // namespace moodtune
