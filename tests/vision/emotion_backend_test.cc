// The emotion net's two backends (OpenCV DNN, oneDNN) compute the same function on the
// shipped model; ReadConvChainFile reads the model's structure and refuses other graphs.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <thread>
#include <opencv2/imgproc.hpp>

#include "common/skip.h"
#include "conv_chain.h"
#include "moodtune/vision.h"
#include "net_pool.h"
#include "onednn_chain.h"

namespace moodtune {
namespace {

const std::string kModel = std::string(MOODTUNE_SOURCE_DIR) + "/models/emotion/emotion.onnx";
const std::string kBlazeFace =
    std::string(MOODTUNE_SOURCE_DIR) + "/models/blazeface/face_detection_front_128x128_barracuda.onnx";

class EmotionBackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(kModel) || !std::filesystem::exists(kBlazeFace))
      MOODTUNE_SKIP_OR_FAIL("models are absent; run scripts/setup.sh");
    if (!OneDnnBuilt()) MOODTUNE_SKIP_OR_FAIL("built without oneDNN (install libdnnl-dev)");
  }
  static std::unique_ptr<EmotionClassifier> Make(const std::string& backend, bool flip = true) {
    ClassifierOptions o;
    o.model_path = kModel;
    o.backend = backend;
    o.flip_average = flip;
    auto c = CreateEmotionClassifier(o);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? std::move(c).value() : nullptr;
  }
};

// Crops that exercise the whole input range: noise, gradients, and a real photo's centre.
std::vector<cv::Mat> Crops() {
  std::vector<cv::Mat> out;
  for (int seed = 1; seed <= 4; ++seed) {
    cv::Mat m(48, 48, CV_8UC1);
    cv::RNG rng(seed);
    rng.fill(m, cv::RNG::UNIFORM, 0, 256);
    out.push_back(m);
  }
  cv::Mat g(64, 80, CV_8UC3);
  for (int y = 0; y < g.rows; ++y)
    for (int x = 0; x < g.cols; ++x) g.at<cv::Vec3b>(y, x) = cv::Vec3b(x * 3, y * 4, (x + y) * 2);
  out.push_back(g);
  out.push_back(cv::Mat(48, 48, CV_8UC1, cv::Scalar(0)));
  out.push_back(cv::Mat(48, 48, CV_8UC1, cv::Scalar(255)));
  return out;
}

TEST_F(EmotionBackendTest, OneDnnComputesWhatOpenCvComputes) {
  for (bool flip : {true, false}) {
    auto cv_net = Make("opencv", flip);
    auto dnnl = Make("onednn", flip);
    ASSERT_TRUE(cv_net && dnnl);
    for (const cv::Mat& crop : Crops()) {
      auto a = cv_net->Classify(crop);
      auto b = dnnl->Classify(crop);
      ASSERT_TRUE(a.ok() && b.ok());
      for (int k = 0; k < kNumEmotions; ++k) EXPECT_NEAR((*a)[k], (*b)[k], 2e-5) << "class " << k;
    }
  }
}

// Review finding: oneDNN's default scratchpad belongs to the thread that made a primitive;
// some kernels (the gemm convolution chosen without AVX2: the ctest variant
// vision_e2e_onednn_sse41 runs this suite with ONEDNN_MAX_CPU_ISA=SSE41) crashed when
// another thread ran them. Runners made here run on other threads, together.
TEST_F(EmotionBackendTest, RunnersMadeOnOneThreadRunOnOthers) {
  cv::dnn::Net net = NetPool::Load(kModel);
  auto chain = ReadConvChainFile(kModel);
  ASSERT_TRUE(chain.ok());
  auto a = OneDnnChain::Create(*chain, 1, 48, 48);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  auto b = OneDnnChain::Create(*chain, 1, 48, 48, a->get());
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  cv::Mat blob(std::vector<int>{1, 1, 48, 48}, CV_32F);
  cv::RNG(5).fill(blob, cv::RNG::UNIFORM, -1.0, 1.0);
  net.setInput(blob);
  const cv::Mat expected = net.forward().clone();
  cv::Mat got[2];
  std::thread t0([&] {
    for (int i = 0; i < 20; ++i) got[0] = *(*a)->Run(blob);
  });
  std::thread t1([&] {
    for (int i = 0; i < 20; ++i) got[1] = *(*b)->Run(blob);
  });
  t0.join();
  t1.join();
  for (const cv::Mat& g : got) EXPECT_LE(cv::norm(g, expected.reshape(1, 1), cv::NORM_INF), 2e-5);
}

TEST_F(EmotionBackendTest, OneClassifierServesManyThreads) {
  auto reference = Make("opencv");
  auto shared = Make("onednn");
  ASSERT_TRUE(reference && shared);
  const std::vector<cv::Mat> crops = Crops();
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int round = 0; round < 10; ++round) {
        const cv::Mat& crop = crops[(t + round) % crops.size()];
        auto p = shared->Classify(crop);
        auto q = reference->Classify(crop);
        if (!p.ok() || !q.ok()) {
          ++mismatches;
          continue;
        }
        for (int k = 0; k < kNumEmotions; ++k)
          if (std::abs((*p)[k] - (*q)[k]) > 2e-5) ++mismatches;
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(mismatches.load(), 0);
  EXPECT_EQ(shared->Backend(), "onednn");
  EXPECT_EQ(reference->Backend(), "opencv");
}

TEST_F(EmotionBackendTest, UnknownBackendIsInvalidArgument) {
  ClassifierOptions o;
  o.model_path = kModel;
  o.backend = "cuda";
  auto c = CreateEmotionClassifier(o);
  ASSERT_FALSE(c.ok());
  EXPECT_TRUE(c.status().IsInvalidArgument());
  EXPECT_NE(c.status().message().find("auto, opencv or onednn"), std::string::npos);
}

TEST_F(EmotionBackendTest, OneDnnRefusesAGraphThatIsNotAChainAndAutoFallsBack) {
  ClassifierOptions o;
  o.model_path = kBlazeFace;  // depthwise convolutions, residual adds, two heads
  o.backend = "onednn";
  auto forced = CreateEmotionClassifier(o);
  ASSERT_FALSE(forced.ok());
  EXPECT_EQ(forced.status().code(), StatusCode::kUnsupported) << forced.status().ToString();
  o.backend = "auto";
  EXPECT_TRUE(CreateEmotionClassifier(o).ok());  // OpenCV DNN takes any graph
}

TEST_F(EmotionBackendTest, ReadsTheShippedModelsChain) {
  auto chain = ReadConvChainFile(kModel);
  ASSERT_TRUE(chain.ok()) << chain.status().ToString();
  ASSERT_EQ(chain->stages.size(), 8u);  // docs/model_card.md: 8 conv layers 32-64-128-256
  EXPECT_EQ(chain->in_channels(), 1);
  EXPECT_EQ(chain->classes(), kNumEmotions);
  EXPECT_TRUE(chain->softmax);
  for (std::size_t i = 0; i < chain->stages.size(); ++i) {
    EXPECT_TRUE(chain->stages[i].relu);
    EXPECT_EQ(chain->stages[i].max_pool.has_value(), i % 2 == 1 && i < 7) << i;
    EXPECT_EQ(chain->stages[i].window.kernel_h, 3);
  }
}

TEST_F(EmotionBackendTest, WrongBlobShapeIsInvalidArgument) {
  auto chain = ReadConvChainFile(kModel);
  ASSERT_TRUE(chain.ok());
  auto runner = OneDnnChain::Create(*chain, 2, 48, 48);
  ASSERT_TRUE(runner.ok()) << runner.status().ToString();
  cv::Mat one(std::vector<int>{1, 1, 48, 48}, CV_32F, cv::Scalar(0));
  auto r = (*runner)->Run(one);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsInvalidArgument());
  cv::Mat two(std::vector<int>{2, 1, 48, 48}, CV_32F, cv::Scalar(0));
  EXPECT_TRUE((*runner)->Run(two).ok());
}

TEST_F(EmotionBackendTest, ChainReaderErrors) {
  EXPECT_TRUE(ReadConvChainFile("/nonexistent.onnx").status().IsNotFound());
  const std::string not_onnx = std::string(MOODTUNE_SOURCE_DIR) + "/CMakeLists.txt";
  EXPECT_TRUE(ReadConvChainFile(not_onnx).status().IsInvalidArgument());
  const Status blaze = ReadConvChainFile(kBlazeFace).status();  // a graph, not a chain
  EXPECT_TRUE(blaze.IsUnsupported()) << blaze.ToString();
  EXPECT_NE(blaze.message().find("not a plain conv chain"), std::string::npos);
}

TEST(WindowOutputTest, FloorsLikeOnnx) {
  EXPECT_EQ(WindowOutput(48, 3, 1, 1, 1), 48);
  EXPECT_EQ(WindowOutput(48, 2, 2, 0, 0), 24);
  EXPECT_EQ(WindowOutput(7, 2, 2, 0, 0), 3);
  EXPECT_EQ(WindowOutput(1, 3, 1, 0, 0), -1);  // too small: callers refuse outputs below 1
}

}  // namespace
}  // namespace moodtune
