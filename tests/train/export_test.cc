// The exported ONNX (BN folded, run by OpenCV DNN) must give libtorch's probabilities.
#include <gtest/gtest.h>
#include <opencv2/dnn.hpp>

#include <filesystem>

#include "model.h"
#include "onnx_export.h"

namespace moodtune::train {
namespace {

// Non-trivial BN statistics, as after training.
EmotionNet TrainedLikeNet() {
  EmotionNet net(ModelOptions{});
  torch::NoGradGuard no_grad;
  for (auto& bn : net->bns()) {
    bn->running_mean.uniform_(-0.5, 0.5);
    bn->running_var.uniform_(0.5, 2.0);
    bn->weight.uniform_(0.5, 1.5);
    bn->bias.uniform_(-0.2, 0.2);
  }
  net->eval();
  return net;
}

double MaxDiffVsOpenCv(const std::string& path, torch::Tensor x, const torch::Tensor& expected) {
  cv::dnn::Net cvnet = cv::dnn::readNetFromONNX(path);
  int dims[] = {4, 1, 48, 48};
  cv::Mat blob(4, dims, CV_32F, x.data_ptr<float>());
  cvnet.setInput(blob);
  cv::Mat out = cvnet.forward();
  EXPECT_EQ(out.rows, 4);
  EXPECT_EQ(out.cols, 7);
  double max_diff = 0;
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 7; ++j)
      max_diff = std::max(max_diff, std::abs(double(out.at<float>(i, j)) -
                                             double(expected[i][j].item<float>())));
  return max_diff;
}

TEST(OnnxExportTest, EnsembleAveragesMembersProbabilities) {
  torch::manual_seed(12);
  EmotionNet a = TrainedLikeNet(), b = TrainedLikeNet();
  const auto path = (std::filesystem::temp_directory_path() / "mt_export_ens.onnx").string();
  ASSERT_TRUE(ExportOnnx({&a, &b}, path).ok());
  auto x = torch::rand({4, 1, 48, 48}) * 2 - 1;
  torch::Tensor expected;
  {
    torch::NoGradGuard no_grad;
    expected = ((a->forward(x).softmax(1) + b->forward(x).softmax(1)) / 2).contiguous();
  }
  EXPECT_LT(MaxDiffVsOpenCv(path, x, expected), 1e-4);
  std::filesystem::remove(path);
}

TEST(OnnxExportTest, OpenCvDnnMatchesLibtorchWithin1e4) {
  torch::manual_seed(11);
  EmotionNet net = TrainedLikeNet();
  const auto path = (std::filesystem::temp_directory_path() / "mt_export_test.onnx").string();
  ASSERT_TRUE(ExportOnnx(net, path).ok());

  auto x = torch::rand({4, 1, 48, 48}) * 2 - 1;
  torch::Tensor expected;
  {
    torch::NoGradGuard no_grad;
    expected = net->forward(x).softmax(1).contiguous();
  }
  EXPECT_LT(MaxDiffVsOpenCv(path, x, expected), 1e-4);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace moodtune::train
