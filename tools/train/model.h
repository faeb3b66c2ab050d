// EmotionNet: a small VGG-style CNN for 48x48 grayscale faces -> 7 emotion logits.
// Built with libtorch only (the trainer core compiles on GPU machines without OpenCV).
// Thread-safety: a module is used by one thread at a time.
#pragma once

#include <torch/torch.h>

#include <vector>

namespace moodtune::train {

struct ModelOptions {
  std::vector<int64_t> widths = {32, 64, 128, 256};  // channels of each block
  int64_t convs_per_block = 2;  // 3x3 conv + BN + ReLU, repeated; 2x2 max-pool between blocks
  double dropout = 0.3;         // before the classifier (training only)
  int64_t input_size = 48;      // square input side, pixels
  int64_t num_classes = 7;
};

// Layout the ONNX exporter relies on: convs_[i] is followed by bns_[i] and ReLU; after the
// last conv of every block but the last comes a 2x2/2 max-pool; after the last block a global
// average pool, dropout, and fc_.
class EmotionNetImpl : public torch::nn::Module {
 public:
  explicit EmotionNetImpl(const ModelOptions& opts = {});
  // x: [N,1,H,W] float, pixels mapped x/127.5-1. Returns logits [N,num_classes].
  torch::Tensor forward(torch::Tensor x);

  const ModelOptions& options() const { return opts_; }
  const std::vector<torch::nn::Conv2d>& convs() const { return convs_; }
  const std::vector<torch::nn::BatchNorm2d>& bns() const { return bns_; }
  torch::nn::Linear fc() const { return fc_; }
  bool PoolAfter(size_t conv_index) const;  // true where a max-pool follows conv i

 private:
  ModelOptions opts_;
  std::vector<torch::nn::Conv2d> convs_;
  std::vector<torch::nn::BatchNorm2d> bns_;
  torch::nn::Dropout drop_{nullptr};
  torch::nn::Linear fc_{nullptr};
};
TORCH_MODULE(EmotionNet);

}  // namespace moodtune::train
