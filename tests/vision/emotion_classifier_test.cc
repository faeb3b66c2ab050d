// Runs on models/emotion/emotion.onnx; skips (saying how to get it) only while it is absent.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <numeric>
#include <opencv2/imgproc.hpp>
#include <thread>

#include "common/skip.h"
#include "moodtune/vision.h"

namespace moodtune {
namespace {

const std::string kModel = std::string(MOODTUNE_SOURCE_DIR) + "/models/emotion/emotion.onnx";

TEST(EmotionClassifierTest, MissingModelIsNotFoundWithTrainHint) {
  ClassifierOptions opts;
  opts.model_path = "/nonexistent/emotion.onnx";
  auto c = CreateEmotionClassifier(opts);
  ASSERT_FALSE(c.ok());
  EXPECT_TRUE(c.status().IsNotFound());
  EXPECT_NE(c.status().message().find("scripts/train_model.sh"), std::string::npos);
}

class EmotionClassifierModelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(kModel)) {
      MOODTUNE_SKIP_OR_FAIL(kModel << " is absent; run scripts/train_model.sh (release needs it)");
    }
    ClassifierOptions opts;
    opts.model_path = kModel;
    auto c = CreateEmotionClassifier(opts);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    classifier_ = std::move(c).value();
  }
  std::unique_ptr<EmotionClassifier> classifier_;
};

cv::Mat Noise48(int seed) {
  cv::Mat m(48, 48, CV_8UC1);
  cv::RNG rng(seed);
  rng.fill(m, cv::RNG::UNIFORM, 0, 256);
  return m;
}

TEST_F(EmotionClassifierModelTest, ReturnsAProbabilityDistribution) {
  for (int seed : {1, 2, 3}) {
    auto p = classifier_->Classify(Noise48(seed));
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    for (float v : *p) {
      EXPECT_GE(v, 0.0f);
      EXPECT_LE(v, 1.0f);
    }
    EXPECT_NEAR(std::accumulate(p->begin(), p->end(), 0.0f), 1.0f, 1e-4);
  }
}

TEST_F(EmotionClassifierModelTest, InputIsInvariantToColourLayoutAndDeterministic) {
  const cv::Mat gray = Noise48(7);
  cv::Mat bgr, big;
  cv::cvtColor(gray, bgr, cv::COLOR_GRAY2BGR);
  auto a = classifier_->Classify(gray);
  auto b = classifier_->Classify(bgr);
  auto c = classifier_->Classify(gray);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  for (int i = 0; i < kNumEmotions; ++i) {
    EXPECT_NEAR((*a)[i], (*b)[i], 1e-5);
    EXPECT_EQ((*a)[i], (*c)[i]);
  }
  cv::resize(gray, big, {96, 96}, 0, 0, cv::INTER_NEAREST);
  EXPECT_TRUE(classifier_->Classify(big).ok());  // any size is resized to 48x48
}

// Issue 10: the top emotion changed when a photo was mirrored. With flip_average a crop and
// its mirror give the same probabilities, the mean of the two plain readings.
TEST_F(EmotionClassifierModelTest, Issue10FlipAverageIsMirrorInvariant) {
  ClassifierOptions opts;
  opts.model_path = kModel;
  opts.flip_average = true;
  auto c = CreateEmotionClassifier(opts);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ClassifierOptions plain_opts = opts;
  plain_opts.flip_average = false;
  auto plain = CreateEmotionClassifier(plain_opts);
  ASSERT_TRUE(plain.ok());
  const cv::Mat face = Noise48(11);
  cv::Mat mirror;
  cv::flip(face, mirror, 1);
  auto a = (*c)->Classify(face);
  auto b = (*c)->Classify(mirror);
  auto pa = (*plain)->Classify(face);
  auto pb = (*plain)->Classify(mirror);
  ASSERT_TRUE(a.ok() && b.ok() && pa.ok() && pb.ok());
  float differ = 0;
  for (int i = 0; i < kNumEmotions; ++i) {
    EXPECT_NEAR((*a)[i], (*b)[i], 1e-5);
    EXPECT_NEAR((*a)[i], ((*pa)[i] + (*pb)[i]) / 2, 1e-5);
    differ = std::max(differ, std::abs((*pa)[i] - (*pb)[i]));
  }
  EXPECT_GT(differ, 1e-4);  // without averaging, noise and its mirror do read differently
}

TEST_F(EmotionClassifierModelTest, DifferentInputsGiveDifferentOutputs) {
  auto a = classifier_->Classify(cv::Mat(48, 48, CV_8UC1, cv::Scalar(0)));
  auto b = classifier_->Classify(cv::Mat(48, 48, CV_8UC1, cv::Scalar(255)));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
}

TEST_F(EmotionClassifierModelTest, EmptyOrWrongDepthIsInvalidArgument) {
  EXPECT_TRUE(classifier_->Classify(cv::Mat()).status().IsInvalidArgument());
  EXPECT_TRUE(
      classifier_->Classify(cv::Mat(48, 48, CV_32FC1, cv::Scalar(0))).status().IsInvalidArgument());
}

TEST_F(EmotionClassifierModelTest, SharedBetweenThreads) {
  const cv::Mat face = Noise48(11);
  const auto ref = classifier_->Classify(face);
  ASSERT_TRUE(ref.ok());
  std::vector<int> bad(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        auto p = classifier_->Classify(face);
        if (!p.ok() || *p != *ref) ++bad[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int b : bad) EXPECT_EQ(b, 0);
}

}  // namespace
}  // namespace moodtune
