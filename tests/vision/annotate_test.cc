#include <gtest/gtest.h>

#include <opencv2/core.hpp>

#include "moodtune/vision.h"

namespace moodtune {
namespace {

TEST(AnnotateTest, SameSizeCopyWithBoxDrawnAndInputUntouched) {
  const cv::Mat img(240, 320, CV_8UC3, cv::Scalar(90, 90, 90));
  const cv::Mat before = img.clone();
  Face f;
  f.detection.box = {100, 80, 60, 60};
  f.emotion = Emotion::kHappy;
  f.confidence = 0.87f;
  const cv::Mat out = Annotate(img, {f});
  EXPECT_EQ(out.size(), img.size());
  EXPECT_EQ(out.type(), CV_8UC3);
  EXPECT_EQ(cv::norm(img, before, cv::NORM_INF), 0);  // input not modified
  // The box's left edge is drawn; the face's inside and far corners are untouched.
  EXPECT_NE(out.at<cv::Vec3b>(110, 100), cv::Vec3b(90, 90, 90));
  EXPECT_EQ(out.at<cv::Vec3b>(110, 130), cv::Vec3b(90, 90, 90));
  EXPECT_EQ(out.at<cv::Vec3b>(230, 310), cv::Vec3b(90, 90, 90));
  // A label sits above the box.
  EXPECT_GT(cv::norm(out(cv::Rect(100, 60, 60, 18)), img(cv::Rect(100, 60, 60, 18))), 0);
}

TEST(AnnotateTest, NoFacesIsAnIdenticalCopyGrayBecomesBgr) {
  const cv::Mat img(50, 60, CV_8UC3, cv::Scalar(1, 2, 3));
  const cv::Mat out = Annotate(img, {});
  EXPECT_EQ(cv::norm(out, img, cv::NORM_INF), 0);
  EXPECT_NE(out.data, img.data);
  const cv::Mat gray(50, 60, CV_8UC1, cv::Scalar(7));
  EXPECT_EQ(Annotate(gray, {}).type(), CV_8UC3);
}

TEST(AnnotateTest, BoxAtTheImageEdgeIsSafe) {
  const cv::Mat img(100, 100, CV_8UC3, cv::Scalar::all(0));
  Face f;
  f.detection.box = {-10, -10, 200, 200};
  const cv::Mat out = Annotate(img, {f});
  EXPECT_EQ(out.size(), img.size());
}

// Issue 13: a face at the right edge had its label cut there. The label moves left so its
// right end is inside the image: some label pixels in the image's last columns, none needed
// past them, and the label's first pixels left of the box.
TEST(AnnotateTest, Issue13LabelAtTheRightEdgeIsMovedInside) {
  const cv::Mat img(240, 320, CV_8UC3, cv::Scalar(90, 90, 90));
  Face f;
  f.detection.box = {290, 80, 30, 30};  // touches the right edge
  f.emotion = Emotion::kSurprise;
  f.confidence = 0.99f;
  const cv::Mat out = Annotate(img, {f});
  // The label band above the box reaches left of the box (it was shifted, not cut).
  EXPECT_GT(cv::norm(out(cv::Rect(240, 60, 50, 18)), img(cv::Rect(240, 60, 50, 18))), 0);
}

}  // namespace
}  // namespace moodtune
