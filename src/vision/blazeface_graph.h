// A BlazeFace ONNX graph (the two tf2onnx/Barracuda files in models/blazeface) read into the
// few operations it is made of, so that a faster backend (onednn_blaze.h) can run exactly
// the function OpenCV DNN runs. Supported, and nothing else (Unsupported names the first
// node that does not fit, and the caller keeps OpenCV DNN):
//   input NHWC [1, H, W, C] -> Transpose(0,3,1,2)
//   Conv (dilation 1; one group, or depthwise: group = in = out channels), bias optional
//   Conv -> [Add(conv, shortcut)] -> [Relu]    fused into the convolution; the shortcut may
//     be a Concat(x, ConstantOfShape zeros) on channels (the graph's channel Pad)
//   MaxPool (no ceil mode, no indices)
//   Conv -> Transpose(0,2,3,1) -> Reshape -> graph output   (a head: NHWC, flattened)
// Thread-safety: plain values; ReadBlazeGraph only reads the file.
#pragma once

#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "conv_chain.h"  // Window2d, WindowOutput
#include "moodtune/status.h"

namespace moodtune {

struct BlazeShape {
  int channels = 0, height = 0, width = 0;  // one image (the graphs take batch 1)
};

// One operation; step i writes tensor i + 1 (tensor 0 is the input image).
struct BlazeStep {
  enum class Kind { kConv, kMaxPool };
  Kind kind = Kind::kConv;
  int src = 0;      // tensor read
  BlazeShape out;   // shape of the tensor written
  Window2d window;  // kernel, stride, padding
  // Convolutions only:
  cv::Mat weights;  // CV_32F [out, in / group, kernel_h, kernel_w]
  cv::Mat bias;     // CV_32F, 1 x out values; empty when the graph has none
  int group = 1;    // 1, or out channels (depthwise)
  // Tensor added to the convolution's result before the ReLU (-1: none). It may have fewer
  // channels than the result: the others are zeros (the graph pads the shortcut).
  int residual = -1;
  bool relu = false;
};

// A graph output: tensor `tensor` in NHWC order, flattened to ONNX's `dims`.
struct BlazeOutput {
  std::string name;
  int tensor = 0;
  std::vector<int> dims;
};

struct BlazeGraph {
  BlazeShape input;  // the graph takes one 1 x H x W x C float image (NHWC)
  std::vector<BlazeStep> steps;
  std::vector<BlazeOutput> outputs;  // in the file's order
  // Shape of tensor t (0 = input, t = step t - 1's output).
  const BlazeShape& shape(int t) const { return t == 0 ? input : steps[t - 1].out; }
  int tensors() const { return static_cast<int>(steps.size()) + 1; }
};

// Reads an ONNX file. NotFound when it cannot be read, InvalidArgument when it is not ONNX,
// Unsupported for a graph outside the patterns above or a build without libonnx.
Result<BlazeGraph> ReadBlazeGraph(const std::string& onnx_path);

// True when this build can read ONNX files (libonnx found at configure time).
bool BlazeGraphReaderBuilt();

}  // namespace moodtune
