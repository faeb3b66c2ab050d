#include <gtest/gtest.h>

#include <cmath>

#include <opencv2/imgproc.hpp>

#include "moodtune/vision.h"

namespace moodtune {
namespace {

// Centroid of the dark pixels of `gray` in the left or right half.
cv::Point2f DarkCentroid(const cv::Mat& gray, bool left) {
  const cv::Rect half = left ? cv::Rect(0, 0, gray.cols / 2, gray.rows)
                             : cv::Rect(gray.cols / 2, 0, gray.cols - gray.cols / 2, gray.rows);
  cv::Mat mask = gray(half) < 100;
  const cv::Moments m = cv::moments(mask, true);
  return {static_cast<float>(m.m10 / m.m00 + half.x), static_cast<float>(m.m01 / m.m00)};
}

// A white 200x200 "face" with two black eye dots on a line tilted by `deg`.
struct Scene {
  cv::Mat image;
  Detection det;
};
Scene TiltedEyes(double deg) {
  Scene s;
  s.image = cv::Mat(300, 300, CV_8UC3, cv::Scalar::all(255));
  const cv::Point2f c(150, 150);
  const double r = deg * CV_PI / 180;
  const cv::Point2f off(40 * std::cos(r), 40 * std::sin(r));
  const cv::Point2f right_eye = c - off, left_eye = c + off;  // image-left is the subject's right
  cv::circle(s.image, right_eye, 8, cv::Scalar::all(0), cv::FILLED);
  cv::circle(s.image, left_eye, 8, cv::Scalar::all(0), cv::FILLED);
  s.det.box = {70, 70, 160, 160};
  s.det.keypoints[0] = {right_eye.x, right_eye.y};
  s.det.keypoints[1] = {left_eye.x, left_eye.y};
  return s;
}

TEST(AlignFaceTest, OutputIsSizedGray) {
  const Scene s = TiltedEyes(0);
  const cv::Mat out = AlignFace(s.image, s.det);
  EXPECT_EQ(out.type(), CV_8UC1);
  EXPECT_EQ(out.size(), cv::Size(48, 48));
  AlignOptions big;
  big.size = 96;
  EXPECT_EQ(AlignFace(s.image, s.det, big).size(), cv::Size(96, 96));
}

TEST(AlignFaceTest, LevelsTiltedEyes) {
  for (double deg : {-25.0, -10.0, 15.0, 30.0}) {
    const Scene s = TiltedEyes(deg);
    AlignOptions opts;
    opts.size = 96;  // more pixels for the centroid
    const cv::Mat out = AlignFace(s.image, s.det, opts);
    const cv::Point2f r = DarkCentroid(out, true), l = DarkCentroid(out, false);
    EXPECT_NEAR(r.y, l.y, 1.0) << deg << " degrees";
    // The eyes straddle the centre: rotation is about the box centre.
    EXPECT_NEAR((r.x + l.x) / 2, 48, 1.5) << deg;
    // Distance: 80 px in a 160*(1+2*0.15) = 208 px crop scaled to 96 -> ~36.9 px.
    EXPECT_NEAR(l.x - r.x, 80.0 * 96 / 208, 1.5) << deg;
  }
}

TEST(AlignFaceTest, WithoutDistinctEyesItIsAPlainCrop) {
  cv::Mat img(100, 100, CV_8UC1, cv::Scalar(0));
  img(cv::Rect(50, 0, 50, 100)).setTo(255);  // right half white
  Detection d;
  d.box = {0, 0, 100, 100};  // keypoints all (0,0): no rotation
  AlignOptions opts;
  opts.margin = 0;
  const cv::Mat out = AlignFace(img, d, opts);
  EXPECT_LT(out.at<std::uint8_t>(24, 5), 10);
  EXPECT_GT(out.at<std::uint8_t>(24, 42), 245);
  EXPECT_TRUE(AlignFace(cv::Mat(), d).empty());
}

}  // namespace
}  // namespace moodtune
