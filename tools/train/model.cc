#include "model.h"

#include <string>

namespace moodtune::train {

EmotionNetImpl::EmotionNetImpl(const ModelOptions& opts) : opts_(opts) {
  int64_t in = 1;
  for (size_t b = 0; b < opts_.widths.size(); ++b) {
    for (int64_t c = 0; c < opts_.convs_per_block; ++c) {
      const int64_t out = opts_.widths[b];
      const std::string id = std::to_string(convs_.size());
      convs_.push_back(register_module(
          "conv" + id,
          torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 3).padding(1).bias(false))));
      bns_.push_back(register_module("bn" + id, torch::nn::BatchNorm2d(out)));
      torch::nn::init::kaiming_normal_(convs_.back()->weight, 0.0, torch::kFanOut, torch::kReLU);
      in = out;
    }
  }
  drop_ = register_module("drop", torch::nn::Dropout(opts_.dropout));
  fc_ = register_module("fc", torch::nn::Linear(in, opts_.num_classes));
}

bool EmotionNetImpl::PoolAfter(size_t i) const {
  const size_t per = static_cast<size_t>(opts_.convs_per_block);
  return (i + 1) % per == 0 && (i + 1) / per < opts_.widths.size();
}

torch::Tensor EmotionNetImpl::forward(torch::Tensor x) {
  for (size_t i = 0; i < convs_.size(); ++i) {
    x = torch::relu(bns_[i]->forward(convs_[i]->forward(x)));
    if (PoolAfter(i)) x = torch::max_pool2d(x, 2, 2);
  }
  x = torch::adaptive_avg_pool2d(x, {1, 1}).flatten(1);
  return fc_->forward(drop_->forward(x));
}

}  // namespace moodtune::train
