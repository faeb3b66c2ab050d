// Temperature scaling and expected calibration error (issue 10), and pack specs.
#include <gtest/gtest.h>

#include "trainer.h"

namespace moodtune::train {
namespace {

// Labels drawn from softmax(z), logits reported as z * 3: an over-confident model whose
// right temperature is 3.
TEST(CalibrationTest, FitTemperatureRecoversAKnownTemperature) {
  torch::manual_seed(1);
  const int64_t n = 20000;
  auto z = torch::randn({n, 7}) * 1.5;
  auto labels = torch::multinomial(z.softmax(1), 1).squeeze(1);
  const double t = FitTemperature(z * 3.0, labels);
  EXPECT_NEAR(t, 3.0, 0.15);
  const double ece_raw = ExpectedCalibrationError((z * 3.0).softmax(1), labels);
  const double ece_cal = ExpectedCalibrationError((z * 3.0 / t).softmax(1), labels);
  EXPECT_GT(ece_raw, 0.1);
  EXPECT_LT(ece_cal, 0.02);
}

TEST(CalibrationTest, EceOfAPerfectAndOfAnAlwaysWrongModel) {
  auto labels = torch::tensor({0, 1, 2, 3}, torch::kLong);
  auto onehot = torch::nn::functional::one_hot(labels, 7).to(torch::kFloat32);
  EXPECT_NEAR(ExpectedCalibrationError(onehot, labels), 0.0, 1e-9);
  auto wrong = torch::nn::functional::one_hot((labels + 1) % 7, 7).to(torch::kFloat32);
  EXPECT_NEAR(ExpectedCalibrationError(wrong, labels), 1.0, 1e-9);
}

TEST(PackSpecTest, PathWithOptionalCount) {
  auto a = ParsePackSpec("data/packed/train.mtpk:6000");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->first, "data/packed/train.mtpk");
  EXPECT_EQ(a->second, 6000);
  auto b = ParsePackSpec("data/real/train.mtpk");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->first, "data/real/train.mtpk");
  EXPECT_EQ(b->second, 0);
  auto c = ParsePackSpec("C:/odd:name.mtpk");  // not a count after the last colon: a path
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->first, "C:/odd:name.mtpk");
}

}  // namespace
}  // namespace moodtune::train
