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
  const cv::Point2f centre(d.box.x + d.box.w / 2, d.box.y + d.box.h / 2);
  // Square crop: FER-style crops are square, and a non-square box would be distorted.
  const float side = std::max(d.box.w, d.box.h) * (1 + 2 * opts.margin);
  if (side <= 0) return {};
  // One warp does rotate + crop + scale: getRotationMatrix2D keeps `centre` fixed, the
  // extra translation moves it to the output's centre.
  cv::Mat m = cv::getRotationMatrix2D(centre, angle_deg, opts.size / side);
  m.at<double>(0, 2) += opts.size / 2.0 - centre.x;
  m.at<double>(1, 2) += opts.size / 2.0 - centre.y;
  cv::Mat out;
  cv::warpAffine(gray, out, m, {opts.size, opts.size}, cv::INTER_AREA, cv::BORDER_REPLICATE);
  return out;
}

}  // namespace moodtune
