// A plain convolution chain read from an ONNX file:
//   (Conv [+Relu] [+MaxPool])*  ->  GlobalAveragePool  ->  Flatten  ->  Gemm  ->  [Softmax]
// The emotion net (docs/model_card.md) has this shape. ReadConvChainFile refuses anything
// else (another node, attribute, or wiring: each node must read the previous one's output
// alone), so a faster backend (onednn_chain.h) runs exactly the function OpenCV DNN would
// run, and the caller falls back to OpenCV DNN for other models.
// Thread-safety: plain values; pure functions.
#pragma once

#include <opencv2/core.hpp>
#include <optional>
#include <string>
#include <vector>

#include "moodtune/status.h"

namespace moodtune {

// Spatial window: kernel, stride and padding (top, left, bottom, right), in pixels.
struct Window2d {
  int kernel_h = 1, kernel_w = 1;
  int stride_h = 1, stride_w = 1;
  int pad_t = 0, pad_l = 0, pad_b = 0, pad_r = 0;
};

struct ConvStage {
  cv::Mat weights;  // CV_32F, dims [out_channels, in_channels, kernel_h, kernel_w]
  cv::Mat bias;     // CV_32F, out_channels values (zeros when the model has none)
  Window2d window;  // kernel, stride, padding (dilation 1, one group)
  bool relu = false;
  std::optional<Window2d> max_pool;  // a max pool after the (ReLU'd) convolution
};

struct ConvChain {
  std::vector<ConvStage> stages;
  cv::Mat dense_weights;  // CV_32F [classes, channels of the last stage]
  cv::Mat dense_bias;     // CV_32F, classes values
  bool softmax = false;   // the chain ends in a softmax (outputs are probabilities)
  int in_channels() const { return stages.empty() ? 0 : stages.front().weights.size[1]; }
  int classes() const { return dense_weights.rows; }
};

// Unsupported (naming the first node that does not fit) for any other graph, and when this
// build has no libonnx; NotFound / InvalidArgument for a missing or unparsable file.
Result<ConvChain> ReadConvChainFile(const std::string& onnx_path);

// Output side of a window over `in` pixels (floor rounding, as ONNX without ceil_mode).
int WindowOutput(int in, int kernel, int stride, int pad_begin, int pad_end);

}  // namespace moodtune
