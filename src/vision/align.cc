// The one pre-processing from (photo, detection) to the emotion model's input (issue 10):
// the trainer's packer, `analyze`, `eval` and the server all call FaceInput.
#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

#include "gray.h"
#include "moodtune/vision.h"

namespace moodtune {

cv::Mat AlignFace(const cv::Mat& image, const Detection& d, const AlignOptions& opts) {
  if (image.empty() || opts.size <= 0) return {};
  const cv::Mat gray = ToGray(image);
  // Keypoint 0 is the subject's right eye (image left), 1 the left eye. Rotating by the
  // eye line's angle about the box centre levels them; without distinct eye points (e.g. a
  // whole-image "face") the angle is 0.
  const Point& re = d.keypoints[0];
  const Point& le = d.keypoints[1];
  const float dx = le.x - re.x, dy = le.y - re.y;
  const double angle_deg = (dx == 0 && dy == 0) ? 0.0 : std::atan2(dy, dx) * 180.0 / CV_PI;
  cv::Point2f centre(d.box.x + d.box.w / 2, d.box.y + d.box.h / 2);
  // Square crop: FER-style crops are square, and a non-square box would be distorted.
  const float side = std::max(d.box.w, d.box.h) * (1 + 2 * opts.margin);
  if (side <= 0 || !std::isfinite(side)) return {};
  double scale = opts.size / side;
  cv::Mat src = gray;
  // warpAffine has no area filter (INTER_AREA silently runs bilinear), so a 200 px face
  // warped to 48 px would alias. Shrink the region around the face with a true area filter
  // first, then rotate at about 1:1. The region is clipped to the image: BORDER_REPLICATE
  // then repeats the image's own edge, as it would without the shrink.
  if (scale < 1) {
    const float half = side * 0.75f;  // covers the rotated square's corners (side/sqrt(2))
    const cv::Rect want(static_cast<int>(std::floor(centre.x - half)),
                        static_cast<int>(std::floor(centre.y - half)),
                        static_cast<int>(std::ceil(2 * half)) + 1,
                        static_cast<int>(std::ceil(2 * half)) + 1);
    const cv::Rect roi = want & cv::Rect(0, 0, gray.cols, gray.rows);
    if (roi.area() > 0) {
      const int w = std::max(1, static_cast<int>(std::lround(roi.width * scale)));
      const int h = std::max(1, static_cast<int>(std::lround(roi.height * scale)));
      cv::resize(gray(roi), src, {w, h}, 0, 0, cv::INTER_AREA);
      const double sx = static_cast<double>(w) / roi.width;
      const double sy = static_cast<double>(h) / roi.height;
      centre = {static_cast<float>((centre.x - roi.x) * sx),
                static_cast<float>((centre.y - roi.y) * sy)};
      scale /= (sx + sy) / 2;  // what is left of the scale: about 1
    }
  }
  // One warp does rotate + crop + scale: getRotationMatrix2D keeps `centre` fixed, the
  // extra translation moves it to the output's centre.
  cv::Mat m = cv::getRotationMatrix2D(centre, angle_deg, scale);
  m.at<double>(0, 2) += opts.size / 2.0 - centre.x;
  m.at<double>(1, 2) += opts.size / 2.0 - centre.y;
  cv::Mat out;
  cv::warpAffine(src, out, m, {opts.size, opts.size}, cv::INTER_LINEAR, cv::BORDER_REPLICATE);
  return out;
}

void NormalizeContrast(cv::Mat& gray, const AlignOptions& opts) {
  if (opts.contrast_std <= 0 || gray.empty()) return;
  cv::Scalar mean, stddev;
  cv::meanStdDev(gray, mean, stddev);
  // A flat crop (blank frame) stays flat instead of amplifying noise.
  const double gain = opts.contrast_std / std::max(stddev[0], 8.0);
  gray.convertTo(gray, CV_8U, gain, 128.0 - gain * mean[0]);
}

cv::Mat FaceInput(const cv::Mat& image, const Detection* d, const AlignOptions& opts) {
  if (image.empty() || opts.size <= 0) return {};
  cv::Mat out;
  if (d != nullptr) {
    out = AlignFace(image, *d, opts);
  } else {
    out = ToGray(image);
    if (out.size() != cv::Size(opts.size, opts.size)) {
      cv::resize(out, out, {opts.size, opts.size}, 0, 0,
                 out.cols > opts.size ? cv::INTER_AREA : cv::INTER_LINEAR);
    } else {
      out = out.clone();  // never hand back the caller's pixels to modify
    }
  }
  NormalizeContrast(out, opts);
  return out;
}

}  // namespace moodtune
