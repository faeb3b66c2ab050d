// The on-device path with the shipped net: the arrays the build generates (kEmotionInt8Net,
// from models/emotion/emotion.onnx + emotion_int8_ranges.txt) are the net the tests and the
// eval measure, and the core's centre crop and gray conversion match OpenCV's.
#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "common/skip.h"
#include "int8_data.h"
#include "int8_quantizer.h"
#include "moodtune_core/on_device.h"

namespace moodtune::device {
namespace {

std::string RangesPath() {
  return std::string(MOODTUNE_SOURCE_DIR) + "/models/emotion/emotion_int8_ranges.txt";
}

template <typename T>
bool Same(const T* a, const std::vector<T>& b) {
  return std::memcmp(a, b.data(), b.size() * sizeof(T)) == 0;
}

TEST(OnDeviceModel, BuiltInNetIsTheQuantisedOnnxModel) {
  testing::FloatNet f;
  std::string error;
  if (!testing::LoadFloatNet(testing::EmotionOnnxPath(), &f, &error))
    MOODTUNE_SKIP_OR_FAIL("models/emotion/emotion.onnx: " << error);
  std::vector<float> ranges;
  ASSERT_TRUE(testing::ReadRanges(RangesPath(), &ranges, &error)) << error;
  const testing::QuantizedNet q = testing::QuantizeWithRanges(f, ranges);
  const Int8Net& n = kEmotionInt8Net;
  ASSERT_EQ(n.num_convs, q.convs.size());
  EXPECT_EQ(n.side, 48);
  for (std::size_t i = 0; i < q.convs.size(); ++i) {
    const Int8Conv& c = n.convs[i];
    EXPECT_EQ(c.cin, q.convs[i].cin);
    EXPECT_EQ(c.cout, q.convs[i].cout);
    EXPECT_EQ(c.pool_after, q.convs[i].pool_after);
    EXPECT_TRUE(Same(c.weights, q.weights[i])) << "conv " << i;
    EXPECT_TRUE(Same(c.bias, q.bias[i])) << "conv " << i;
    EXPECT_TRUE(Same(c.mult, q.mult[i])) << "conv " << i;
    EXPECT_TRUE(Same(c.shift, q.shift[i])) << "conv " << i;
  }
  EXPECT_EQ(n.dense.cout, kNumWireEmotions);
  EXPECT_TRUE(Same(n.dense.weights, q.dense_weights));
  EXPECT_TRUE(Same(n.dense.bias, q.dense_bias));
  EXPECT_LE(OnDeviceArenaBytes(n), 64u * 1024u + 48u * 48u) << "net arena <= 64 KiB + the crop";
}

// The checked-in ranges are the calibration the figures were measured with (448 FER2013
// train crops, 64 per class): regenerate with `device_int8_eval ranges` if the model changes.
TEST(OnDeviceModel, CheckedInRangesAreTheCalibration) {
  testing::FloatNet f;
  std::string error;
  if (!testing::LoadFloatNet(testing::EmotionOnnxPath(), &f, &error))
    MOODTUNE_SKIP_OR_FAIL("models/emotion/emotion.onnx: " << error);
  const testing::Crops calib = testing::LoadFer("train", 1, 64);
  if (calib.gray.empty()) MOODTUNE_SKIP_OR_FAIL("no FER2013 under " << moodtune_test::DataDir());
  std::vector<float> checked_in;
  ASSERT_TRUE(testing::ReadRanges(RangesPath(), &checked_in, &error)) << error;
  EXPECT_EQ(testing::CalibrateRanges(f, calib.gray), checked_in);
}

TEST(OnDeviceModel, ReadRangesRefusesBadFiles) {
  const std::string path = ::testing::TempDir() + "/ranges_test.txt";
  std::vector<float> r;
  std::string error;
  for (const char* text : {"", "# only a comment\n", "1.5\nabc\n", "1.5\n-2\n", "1.5x\n"}) {
    std::FILE* f = std::fopen(path.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs(text, f);
    std::fclose(f);
    EXPECT_FALSE(testing::ReadRanges(path, &r, &error)) << text;
    EXPECT_FALSE(error.empty());
  }
  ASSERT_TRUE(testing::WriteRanges(path, {30.8269978f, 1e-3f}));
  ASSERT_TRUE(testing::ReadRanges(path, &r, &error)) << error;
  EXPECT_EQ(r, (std::vector<float>{30.8269978f, 1e-3f})) << "round trip, bit for bit";
  EXPECT_FALSE(testing::ReadRanges(path + ".missing", &r, &error));
}

TEST(OnDeviceModel, CentreCropMatchesOpenCvInterArea) {
  std::mt19937 rng(14);
  for (const auto& [w, h, permille] : std::vector<std::tuple<int, int, int>>{
           {350, 350, 1000}, {350, 350, 700}, {640, 480, 800}, {320, 240, 900}, {97, 131, 1000}}) {
    cv::Mat img(h, w, CV_8UC1);
    cv::randu(img, 0, 256);
    cv::GaussianBlur(img, img, cv::Size(5, 5), 0);  // photo-like, not only noise
    std::uint8_t mine[48 * 48];
    const GrayImage gi{img.data, static_cast<std::uint16_t>(w), static_cast<std::uint16_t>(h),
                       static_cast<std::uint32_t>(img.step)};
    ASSERT_TRUE(CentreCropGray(gi, static_cast<std::uint16_t>(permille), mine, 48));
    const int side = std::min(w, h) * permille / 1000;
    cv::Mat ref;
    cv::resize(img(cv::Rect((w - side) / 2, (h - side) / 2, side, side)), ref, cv::Size(48, 48), 0,
               0, cv::INTER_AREA);
    int worst = 0;
    for (int i = 0; i < 48 * 48; ++i) worst = std::max(worst, std::abs(mine[i] - ref.data[i]));
    EXPECT_LE(worst, 1) << w << "x" << h << " at " << permille << " per mille";
  }
}

TEST(OnDeviceModel, GrayOfMatchesOpenCvCvtColor) {
  cv::Mat rgb(64, 64, CV_8UC3);
  std::mt19937 rng(3);
  cv::randu(rgb, 0, 256);
  cv::Mat gray;
  cv::cvtColor(rgb, gray, cv::COLOR_RGB2GRAY);
  for (int y = 0; y < 64; ++y)
    for (int x = 0; x < 64; ++x) {
      const cv::Vec3b p = rgb.at<cv::Vec3b>(y, x);
      ASSERT_EQ(GrayOf(p[0], p[1], p[2]), gray.at<std::uint8_t>(y, x)) << y << "," << x;
    }
}

}  // namespace
}  // namespace moodtune::device
