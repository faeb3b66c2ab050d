#include "blazeface_input.h"

#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>
#include <vector>

namespace moodtune {
namespace {

// The straightforward pipeline (convert the whole photo to RGB, resize, pad, scale), which
// BlazeFaceInput must reproduce exactly while converting colours at network size.
cv::Mat ReferenceInput(const cv::Mat& image, const Letterbox& lb) {
  cv::Mat rgb;
  const int code = image.channels() == 1   ? cv::COLOR_GRAY2RGB
                   : image.channels() == 4 ? cv::COLOR_BGRA2RGB
                                           : cv::COLOR_BGR2RGB;
  cv::cvtColor(image, rgb, code);
  cv::Mat resized;
  cv::resize(rgb, resized, {lb.resized_w, lb.resized_h}, 0, 0,
             lb.resized_w < image.cols ? cv::INTER_AREA : cv::INTER_LINEAR);
  cv::Mat square(lb.side, lb.side, CV_8UC3, cv::Scalar::all(0));
  resized.copyTo(square(cv::Rect(static_cast<int>(lb.pad_x), static_cast<int>(lb.pad_y),
                                 lb.resized_w, lb.resized_h)));
  cv::Mat out;
  square.convertTo(out, CV_32F, 1.0 / 127.5, -1.0);
  return out;
}

cv::Mat Noise(int w, int h, int type) {
  cv::Mat m(h, w, type);
  cv::RNG(7).fill(m, cv::RNG::UNIFORM, 0, 256);
  return m;
}

void ExpectSameAsReference(const cv::Mat& image, int side) {
  const Letterbox lb = MakeLetterbox(image.cols, image.rows, side);
  const cv::Mat blob = BlazeFaceInput(image, lb);
  ASSERT_EQ(blob.dims, 4);
  EXPECT_EQ(blob.size[0], 1);
  EXPECT_EQ(blob.size[1], side);
  EXPECT_EQ(blob.size[2], side);
  EXPECT_EQ(blob.size[3], 3);
  const cv::Mat got(side, side, CV_32FC3, const_cast<float*>(blob.ptr<float>()));
  const cv::Mat want = ReferenceInput(image, lb);
  EXPECT_EQ(cv::norm(got, want, cv::NORM_INF), 0.0) << image.cols << "x" << image.rows;
}

TEST(BlazeFaceInputTest, Issue12SameBlobAsConvertingTheWholePhoto) {
  ExpectSameAsReference(Noise(640, 480, CV_8UC3), 128);  // shrink, landscape: bars above/below
  ExpectSameAsReference(Noise(480, 640, CV_8UC3), 256);  // portrait: bars left/right
  ExpectSameAsReference(Noise(100, 60, CV_8UC3), 256);   // enlarge (bilinear)
  ExpectSameAsReference(Noise(300, 200, CV_8UC1), 128);  // gray
  ExpectSameAsReference(Noise(300, 200, CV_8UC4), 128);  // BGRA
}

TEST(BlazeFaceInputTest, ChannelsAreRgbAndPaddingIsMinusOne) {
  cv::Mat blue(50, 100, CV_8UC3, cv::Scalar(255, 0, 0));  // BGR
  const Letterbox lb = MakeLetterbox(100, 50, 128);
  const cv::Mat blob = BlazeFaceInput(blue, lb);
  const float* p = blob.ptr<float>();
  const int mid = (64 * 128 + 64) * 3;  // centre pixel: inside the photo
  EXPECT_FLOAT_EQ(p[mid + 0], -1.0f);   // R
  EXPECT_FLOAT_EQ(p[mid + 2], 1.0f);    // B
  for (int c = 0; c < 3; ++c) EXPECT_FLOAT_EQ(p[c], -1.0f);  // top-left: padding
}

}  // namespace
}  // namespace moodtune
