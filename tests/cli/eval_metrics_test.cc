// Metric functions checked against values worked out by hand in the comments.
#include "moodtune/eval_metrics.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace moodtune {
namespace {

// truth:      0 0 1 2 2 2
// prediction: 0 1 1 2 2 0   -> rows [1 1 0] [0 1 0] [1 0 2]
ConfusionMatrix ThreeClass(int num_classes = 3) {
  const std::vector<int> truth{0, 0, 1, 2, 2, 2}, pred{0, 1, 1, 2, 2, 0};
  return *MakeConfusionMatrix(truth, pred, num_classes);
}

TEST(ConfusionMatrixTest, CountsPairs) {
  const ConfusionMatrix m = ThreeClass();
  const std::vector<std::int64_t> want{1, 1, 0, 0, 1, 0, 1, 0, 2};
  EXPECT_EQ(m.counts, want);
  EXPECT_EQ(m.abstained, (std::vector<std::int64_t>{0, 0, 0}));
  EXPECT_EQ(m.Total(), 6);
  EXPECT_EQ(m.RowTotal(2), 3);
  EXPECT_EQ(m.at(2, 0), 1);
}

TEST(ConfusionMatrixTest, RejectsBadInput) {
  const std::vector<int> a{0, 1}, b{0}, out_of_range{0, 3}, below{0, -2};
  EXPECT_TRUE(MakeConfusionMatrix(a, b, 3).status().IsInvalidArgument());
  EXPECT_TRUE(MakeConfusionMatrix(a, out_of_range, 3).status().IsInvalidArgument());
  EXPECT_TRUE(MakeConfusionMatrix(a, below, 3).status().IsInvalidArgument());
  EXPECT_TRUE(MakeConfusionMatrix(out_of_range, a, 3).status().IsInvalidArgument());
  EXPECT_TRUE(MakeConfusionMatrix(a, a, 0).status().IsInvalidArgument());
}

TEST(AccuracyTest, TraceOverTotal) {
  EXPECT_DOUBLE_EQ(Accuracy(ThreeClass()), 4.0 / 6.0);
  EXPECT_DOUBLE_EQ(Accuracy(*MakeConfusionMatrix({}, {}, 2)), 0.0);
}

TEST(AccuracyTest, AbstentionCountsAsWrong) {
  const std::vector<int> truth{0, 1, 1}, pred{0, 1, kNoPrediction};
  const ConfusionMatrix m = *MakeConfusionMatrix(truth, pred, 2);
  EXPECT_EQ(m.abstained, (std::vector<std::int64_t>{0, 1}));
  EXPECT_EQ(m.Total(), 3);
  EXPECT_DOUBLE_EQ(Accuracy(m), 2.0 / 3.0);
}

TEST(F1Test, PerClassAndMacro) {
  // class 0: tp 1, fp 1, fn 1 -> P 1/2, R 1/2, F1 1/2
  // class 1: tp 1, fp 1, fn 0 -> P 1/2, R 1,   F1 2/3
  // class 2: tp 2, fp 0, fn 1 -> P 1,   R 2/3, F1 4/5
  const std::vector<ClassScores> s = PerClassScores(ThreeClass());
  ASSERT_EQ(s.size(), 3u);
  EXPECT_DOUBLE_EQ(s[0].precision, 0.5);
  EXPECT_DOUBLE_EQ(s[0].recall, 0.5);
  EXPECT_DOUBLE_EQ(s[0].f1, 0.5);
  EXPECT_DOUBLE_EQ(s[1].f1, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(s[2].precision, 1.0);
  EXPECT_DOUBLE_EQ(s[2].recall, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(s[2].f1, 0.8);
  EXPECT_EQ(s[2].support, 3);
  EXPECT_NEAR(MacroF1(ThreeClass()), (0.5 + 2.0 / 3.0 + 0.8) / 3, 1e-12);
}

TEST(F1Test, UnseenClassIsLeftOutOfTheMean) {
  // Class 3 neither occurs nor is predicted: same macro-F1 as with three classes.
  const ConfusionMatrix m = ThreeClass(4);
  EXPECT_FALSE(PerClassScores(m)[3].defined);
  EXPECT_NEAR(MacroF1(m), (0.5 + 2.0 / 3.0 + 0.8) / 3, 1e-12);
}

TEST(F1Test, NeverPredictedClassScoresZero) {
  // truth 0 1, prediction 0 0: class 1 is missed entirely -> F1 0; class 0: P 1/2 R 1 F1 2/3.
  const std::vector<int> truth{0, 1}, pred{0, 0};
  const ConfusionMatrix m = *MakeConfusionMatrix(truth, pred, 2);
  EXPECT_DOUBLE_EQ(PerClassScores(m)[1].f1, 0.0);
  EXPECT_TRUE(PerClassScores(m)[1].defined);
  EXPECT_NEAR(MacroF1(m), (2.0 / 3.0 + 0.0) / 2, 1e-12);
}

TEST(F1Test, AbstentionHurtsRecallOnly) {
  // truth 0 0, prediction 0 none: class 0 P 1, R 1/2, F1 2/3.
  const std::vector<int> truth{0, 0}, pred{0, kNoPrediction};
  const ClassScores s = PerClassScores(*MakeConfusionMatrix(truth, pred, 1))[0];
  EXPECT_DOUBLE_EQ(s.precision, 1.0);
  EXPECT_DOUBLE_EQ(s.recall, 0.5);
  EXPECT_DOUBLE_EQ(s.f1, 2.0 / 3.0);
}

Result<double> Ap(std::vector<float> scores, std::vector<std::uint8_t> positive) {
  return AveragePrecision(scores, positive);
}

TEST(AveragePrecisionTest, InterpolatedAreaUnderCurve) {
  // Ranked: + - + -. Points (R, P): (.5, 1) (.5, 1/2) (1, 2/3) (1, 1/2).
  // Interpolated: P(.5) = 1, P(1) = 2/3 -> AP = .5 * 1 + .5 * 2/3 = 5/6.
  EXPECT_NEAR(*Ap({0.9f, 0.8f, 0.7f, 0.6f}, {1, 0, 1, 0}), 5.0 / 6.0, 1e-12);
  // Input order does not matter, only the scores.
  EXPECT_NEAR(*Ap({0.6f, 0.7f, 0.8f, 0.9f}, {0, 1, 0, 1}), 5.0 / 6.0, 1e-12);
}

TEST(AveragePrecisionTest, InterpolationLiftsEarlierPrecision) {
  // Ranked: - + + . Points: (0, 0) (.5, 1/2) (1, 2/3). Interpolated P(.5) = 2/3 (a later
  // point is better), P(1) = 2/3 -> AP = 2/3. Without interpolation it would be 7/12.
  EXPECT_NEAR(*Ap({0.9f, 0.8f, 0.7f}, {0, 1, 1}), 2.0 / 3.0, 1e-12);
}

TEST(AveragePrecisionTest, PerfectAndWorstRankings) {
  EXPECT_DOUBLE_EQ(*Ap({0.9f, 0.8f, 0.1f}, {1, 1, 0}), 1.0);
  // The only positive is last of three: AP = 1/3.
  EXPECT_NEAR(*Ap({0.9f, 0.8f, 0.7f}, {0, 0, 1}), 1.0 / 3.0, 1e-12);
}

TEST(AveragePrecisionTest, TiesAreOneThreshold) {
  // Both samples at the same score: one point (R 1, P 1/2), whichever comes first.
  EXPECT_DOUBLE_EQ(*Ap({0.5f, 0.5f}, {1, 0}), 0.5);
  EXPECT_DOUBLE_EQ(*Ap({0.5f, 0.5f}, {0, 1}), 0.5);
  // 0.9(+) then a tie at 0 of (+, -, -): points (1/2, 1) (1, 2/4) -> AP = .5 + .5 * .5 = 3/4.
  EXPECT_DOUBLE_EQ(*Ap({0.9f, 0.0f, 0.0f, 0.0f}, {1, 0, 1, 0}), 0.75);
}

TEST(AveragePrecisionTest, UndefinedWithoutPositivesOrOnMismatch) {
  EXPECT_TRUE(Ap({0.9f, 0.1f}, {0, 0}).status().IsInvalidArgument());
  EXPECT_TRUE(Ap({}, {}).status().IsInvalidArgument());
  EXPECT_TRUE(Ap({0.9f}, {1, 0}).status().IsInvalidArgument());
}

TEST(ExpectedCalibrationErrorTest, PerfectOverconfidentAndErrors) {
  const std::vector<float> conf = {1.0f, 1.0f, 0.9f, 0.9f};
  const std::vector<std::uint8_t> all_right = {1, 1, 1, 1};
  // Two at 1.0 (acc 1) and two at 0.9 (acc 1): |1-0.9| * 0.5.
  EXPECT_NEAR(*ExpectedCalibrationError(conf, all_right), 0.05, 1e-6);  // float inputs
  const std::vector<std::uint8_t> half = {1, 0, 1, 0};
  // Bin 1.0: acc 0.5, conf 1.0; bin 0.9: acc 0.5, conf 0.9 -> 0.5*0.5 + 0.5*0.4.
  EXPECT_NEAR(*ExpectedCalibrationError(conf, half), 0.45, 1e-6);
  const std::vector<float> calibrated = {0.5f, 0.5f};
  const std::vector<std::uint8_t> one_of_two = {1, 0};
  EXPECT_NEAR(*ExpectedCalibrationError(calibrated, one_of_two), 0.0, 1e-9);
  EXPECT_FALSE(ExpectedCalibrationError(conf, one_of_two).ok());
  EXPECT_FALSE(ExpectedCalibrationError({}, {}).ok());
  EXPECT_FALSE(ExpectedCalibrationError(calibrated, one_of_two, 0).ok());
}

}  // namespace
}  // namespace moodtune
