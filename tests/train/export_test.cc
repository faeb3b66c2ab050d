// The exported ONNX (BN folded, run by OpenCV DNN) must give libtorch's probabilities.
#include <gtest/gtest.h>
#include <opencv2/dnn.hpp>

#include <filesystem>

#include "model.h"
#include "onnx_export.h"

namespace moodtune::train {
namespace {

TEST(OnnxExportTest, OpenCvDnnMatchesLibtorchWithin1e4) {
  torch::manual_seed(11);
  EmotionNet net(ModelOptions{});
  {
    // Non-trivial BN statistics, as after training.
    torch::NoGradGuard no_grad;
    for (auto& bn : net->bns()) {
      bn->running_mean.uniform_(-0.5, 0.5);
      bn->running_var.uniform_(0.5, 2.0);
      bn->weight.uniform_(0.5, 1.5);
      bn->bias.uniform_(-0.2, 0.2);
    }
  }
  net->eval();
  const auto path = (std::filesystem::temp_directory_path() / "mt_export_test.onnx").string();
  ASSERT_TRUE(ExportOnnx(net, path).ok());

  auto x = torch::rand({4, 1, 48, 48}) * 2 - 1;
  torch::Tensor expected;
  {
    torch::NoGradGuard no_grad;
    expected = net->forward(x).softmax(1).contiguous();
  }
  cv::dnn::Net cvnet = cv::dnn::readNetFromONNX(path);
  int dims[] = {4, 1, 48, 48};
  cv::Mat blob(4, dims, CV_32F, x.data_ptr<float>());
  cvnet.setInput(blob);
  cv::Mat out = cvnet.forward();
  ASSERT_EQ(out.rows, 4);
  ASSERT_EQ(out.cols, 7);
  double max_diff = 0;
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 7; ++j)
      max_diff = std::max(max_diff, std::abs(double(out.at<float>(i, j)) -
                                             double(expected[i][j].item<float>())));
  EXPECT_LT(max_diff, 1e-4);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace moodtune::train
