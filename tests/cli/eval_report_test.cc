// Issue 13: `moodtune eval --report DIR` draws the confusion matrix and writes the per-class
// table. Pure rendering on a hand-made matrix.
#include "eval_report.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <sstream>

namespace moodtune::cli {
namespace {

ConfusionMatrix Matrix() {
  // 3 classes: class 0 all right (10), class 1 half wrong, class 2 has 2 abstentions.
  const std::vector<int> truth = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2};
  const std::vector<int> pred = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 2, -1, -1};
  return *MakeConfusionMatrix(truth, pred, 3);
}

const std::vector<std::string> kLabels = {"happy", "sad", "neutral"};

// Mean brightness of the cell (truth t, prediction p) away from its text.
double CellBrightness(const cv::Mat& img, int t, int p) {
  const int cell = 84, left = 110, top = 90;
  const cv::Rect corner(left + p * cell + 4, top + t * cell + 4, 12, 12);
  cv::Mat gray;
  cv::cvtColor(img(corner), gray, cv::COLOR_BGR2GRAY);
  return cv::mean(gray)[0];
}

TEST(EvalReportTest, CellsAreShadedByTheirShareOfTheRow) {
  const cv::Mat img = RenderConfusion(Matrix(), kLabels, "test");
  ASSERT_FALSE(img.empty());
  EXPECT_EQ(img.cols, 110 + 4 * 84 + 20);     // 3 classes + the "no face" column
  EXPECT_LT(CellBrightness(img, 0, 0), 100);  // 100% of its row: dark
  EXPECT_GT(CellBrightness(img, 0, 1), 250);  // 0%: white
  EXPECT_LT(CellBrightness(img, 1, 0), CellBrightness(img, 0, 1));  // 50%: in between
  EXPECT_GT(CellBrightness(img, 1, 0), CellBrightness(img, 0, 0));
  EXPECT_LT(CellBrightness(img, 2, 3), 250);  // abstentions are drawn
}

TEST(EvalReportTest, PerClassTableHasEveryClassAndAp) {
  const auto m = Matrix();
  const auto scores = PerClassScores(m);
  const std::vector<std::optional<double>> ap = {0.912, std::nullopt, 0.5};
  const std::string table = PerClassTable(scores, kLabels, ap);
  EXPECT_NE(table.find("| happy | 10 | 0.833 | 1.000 | 0.909 | 0.912 |"), std::string::npos)
      << table;
  EXPECT_NE(table.find("| sad | 4 | 1.000 | 0.500 | 0.667 | - |"), std::string::npos) << table;
  EXPECT_NE(table.find("| neutral | 3 |"), std::string::npos) << table;
}

TEST(EvalReportTest, WritesBothFilesAndRefusesAnUnwritableFolder) {
  const auto dir = std::filesystem::temp_directory_path() / "moodtune-eval-report-test";
  std::filesystem::remove_all(dir);
  const auto m = Matrix();
  const auto scores = PerClassScores(m);
  const std::vector<std::optional<double>> ap(3);
  ASSERT_TRUE(WriteEvalReport(dir.string(), m, scores, kLabels, ap, "t").ok());
  EXPECT_FALSE(cv::imread((dir / "confusion.png").string()).empty());
  std::ifstream md(dir / "per_class.md");
  std::stringstream text;
  text << md.rdbuf();
  EXPECT_NE(text.str().find("| sad |"), std::string::npos);
  // A path below a regular file cannot be created.
  std::ofstream(dir / "file") << "x";
  EXPECT_FALSE(WriteEvalReport((dir / "file" / "sub").string(), m, scores, kLabels, ap, "t").ok());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace moodtune::cli
