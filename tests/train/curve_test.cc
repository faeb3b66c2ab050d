// Issue 13: the trainer's curve (curve.csv, one row per epoch) and its picture.
#include <gtest/gtest.h>

#include <opencv2/core.hpp>

#include "curve.h"
#include "curve_plot.h"

namespace moodtune::train {
namespace {

std::string Csv(std::initializer_list<CurvePoint> rows) {
  std::string out = std::string(kCurveHeader) + "\n";
  for (const CurvePoint& p : rows) out += CurveCsvLine(p) + "\n";
  return out;
}

TEST(CurveTest, RoundTripsAndLastRowOfAnEpochWins) {
  // A resumed run repeats epoch 2 (interrupted after writing it, resumed from epoch 1).
  auto parsed = ParseCurveCsv(Csv({{1, 1.9, 0.30, 0.35, 12.5},
                                   {2, 1.5, 0.45, 0.40, 12.0},
                                   {2, 1.4, 0.47, 0.42, 11.0},
                                   {3, 1.2, 0.55, 0.50, 11.5}}));
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->size(), 3u);
  EXPECT_EQ((*parsed)[1].epoch, 2);
  EXPECT_DOUBLE_EQ((*parsed)[1].val_acc, 0.42);
  EXPECT_DOUBLE_EQ((*parsed)[2].loss, 1.2);
}

TEST(CurveTest, MalformedInputIsAnErrorNamingTheLine) {
  auto no_header = ParseCurveCsv("1,2,3,4,5\n");
  ASSERT_FALSE(no_header.ok());
  auto bad = ParseCurveCsv(std::string(kCurveHeader) + "\n1,1.0,0.5,0.5,3\nx,1,2\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("line 3"), std::string::npos) << bad.status().ToString();
  EXPECT_FALSE(ParseCurveCsv(std::string(kCurveHeader) + "\n1,1,1,1,1,extra\n").ok());
  EXPECT_FALSE(ParseCurveCsv("").ok());
}

int CountColour(const cv::Mat& img, cv::Vec3b c) {
  int n = 0;
  for (int y = 0; y < img.rows; ++y)
    for (int x = 0; x < img.cols; ++x) n += img.at<cv::Vec3b>(y, x) == c;
  return n;
}

TEST(CurvePlotTest, DrawsLossAndBothAccuraciesAndOmitsAMissingValidation) {
  const std::vector<CurvePoint> with_val = {{1, 1.9, 0.30, 0.35, 1}, {2, 1.5, 0.45, 0.40, 1},
                                            {3, 1.2, 0.55, 0.50, 1}};
  const cv::Mat img = RenderCurve(with_val, "test");
  ASSERT_EQ(img.type(), CV_8UC3);
  const cv::Vec3b loss(40, 90, 200), val(60, 160, 60), train(200, 130, 40);
  EXPECT_GT(CountColour(img, loss), 100);
  EXPECT_GT(CountColour(img, train), 100);
  EXPECT_GT(CountColour(img, val), 100);
  std::vector<CurvePoint> no_val = with_val;
  for (auto& p : no_val) p.val_acc = 0;
  EXPECT_LT(CountColour(RenderCurve(no_val, "test"), val), 10);
  // An empty curve still gives a picture (a run interrupted before its first epoch ended).
  EXPECT_FALSE(RenderCurve({}, "empty").empty());
}

}  // namespace
}  // namespace moodtune::train
