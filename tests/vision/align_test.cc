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

// Issue 10: warpAffine with INTER_AREA silently runs bilinear, so a face shrunk 4x aliased.
// One-pixel stripes shrunk to a quarter must come out as flat gray, not as new stripes.
TEST(AlignFaceTest, Issue10ShrinkingDoesNotAlias) {
  cv::Mat img(400, 400, CV_8UC1);
  for (int x = 0; x < img.cols; ++x) img.col(x).setTo(x % 2 ? 255 : 0);
  Detection d;
  d.box = {104, 104, 192, 192};  // 192 px -> 48 px: 4x
  AlignOptions opts;
  opts.margin = 0;
  const cv::Mat out = AlignFace(img, d, opts);
  cv::Scalar mean, stddev;
  cv::meanStdDev(out, mean, stddev);
  EXPECT_NEAR(mean[0], 127.5, 3);
  EXPECT_LT(stddev[0], 4) << "aliasing: the stripes survived the shrink";
}

TEST(FaceInputTest, ContrastIsStretchedToTheTargetStd) {
  cv::Mat flat(48, 48, CV_8UC1);
  cv::randu(flat, 100, 140);  // std about 11.5
  AlignOptions opts;
  opts.contrast_std = 60;
  const cv::Mat out = FaceInput(flat, nullptr, opts);
  cv::Scalar mean, stddev;
  cv::meanStdDev(out, mean, stddev);
  EXPECT_NEAR(mean[0], 128, 2);
  EXPECT_NEAR(stddev[0], 60, 3);
  // contrast_std 0 leaves the pixels alone, and the caller's image is never modified.
  opts.contrast_std = 0;
  const cv::Mat same = FaceInput(flat, nullptr, opts);
  EXPECT_EQ(cv::norm(same, flat, cv::NORM_INF), 0);
  EXPECT_NE(same.data, flat.data);
}

TEST(FaceInputTest, BlankCropIsNotAmplifiedIntoNoise) {
  cv::Mat img(48, 48, CV_8UC1, cv::Scalar(90));
  img.at<std::uint8_t>(0, 0) = 92;
  AlignOptions opts;
  opts.contrast_std = 60;
  cv::Scalar mean, stddev;
  cv::meanStdDev(FaceInput(img, nullptr, opts), mean, stddev);
  EXPECT_LT(stddev[0], 2);
}

TEST(FaceInputTest, WithADetectionItIsTheAlignedCropThenContrast) {
  const Scene s = TiltedEyes(10);
  AlignOptions opts;
  opts.contrast_std = 50;
  cv::Mat expect = AlignFace(s.image, s.det, opts);
  NormalizeContrast(expect, opts);
  const cv::Mat got = FaceInput(s.image, &s.det, opts);
  EXPECT_EQ(cv::norm(got, expect, cv::NORM_INF), 0);
  EXPECT_EQ(got.size(), cv::Size(48, 48));
  // A pre-cropped face of another size is resized, whatever its channels.
  const cv::Mat pre = FaceInput(cv::Mat(100, 80, CV_8UC3, cv::Scalar::all(7)), nullptr, opts);
  EXPECT_EQ(pre.size(), cv::Size(48, 48));
  EXPECT_EQ(pre.type(), CV_8UC1);
  EXPECT_TRUE(FaceInput(cv::Mat(), nullptr, opts).empty());
}

}  // namespace
}  // namespace moodtune
