// Runs a BlazeGraph (blazeface_graph.h) with oneDNN on the CPU, in f32: the same function as
// OpenCV DNN up to float rounding (docs/vision.md, "Detector backend"). Activations are NHWC
// throughout, so the graph's input needs no transpose and each head's result is already in
// the layout of its ONNX output; a residual add is a `sum` post-op on the convolution, its
// destination filled with the shortcut first (in place when the shortcut is not read again;
// channel padding by writing the shortcut into the first channels of a zeroed pixel).
// Built only with MOODTUNE_WITH_ONEDNN (oneDNN found at configure time); otherwise Create says
// Unsupported and callers keep OpenCV DNN.
// Thread-safety: one instance per concurrent caller (Run writes the instance's activations).
// Run computes on the calling thread alone (one OpenMP thread), as OneDnnChain does.
#pragma once

#include <memory>
#include <opencv2/core.hpp>
#include <vector>

#include "blazeface_graph.h"
#include "moodtune/status.h"

namespace moodtune {

class OneDnnBlaze {
 public:
  // Unsupported when built without oneDNN or when oneDNN has no implementation for a step on
  // this CPU. `share`, when given, was made from the same graph: the new instance uses its
  // (read-only, reference-counted) weights instead of a copy of its own.
  static Result<std::unique_ptr<OneDnnBlaze>> Create(const BlazeGraph& graph,
                                                     const OneDnnBlaze* share = nullptr);
  ~OneDnnBlaze();
  OneDnnBlaze(const OneDnnBlaze&) = delete;
  OneDnnBlaze& operator=(const OneDnnBlaze&) = delete;

  // `input`: a continuous CV_32F 1 x H x W x C blob (NHWC, as BlazeFaceInput makes it) of the
  // graph's input size. Returns the graph's outputs in graph.outputs order, each a new
  // CV_32F Mat of that output's ONNX dims (what cv::dnn::Net::forward returns for it).
  // InvalidArgument for a wrong blob, Internal for a oneDNN failure.
  Result<std::vector<cv::Mat>> Run(const cv::Mat& input);

  struct Impl;

 private:
  explicit OneDnnBlaze(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace moodtune
