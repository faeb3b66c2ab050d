// Runs a ConvChain (conv_chain.h) with oneDNN on the CPU, in f32: the same function as
// OpenCV DNN up to float rounding, a third of the CPU time for the emotion net on this machine
// (docs/vision.md, "Emotion net backend"). Built only with MOODTUNE_WITH_ONEDNN (oneDNN found
// at configure time); otherwise Create says Unsupported and callers keep OpenCV DNN.
// Thread-safety: one instance per concurrent caller (Run writes the instance's activations).
// Run computes on the calling thread alone (one OpenMP thread): the server already runs one
// worker per core, and a second thread per call would oversubscribe the cores.
#pragma once

#include <memory>
#include <opencv2/core.hpp>

#include "conv_chain.h"
#include "moodtune/status.h"

namespace moodtune {

class OneDnnChain {
 public:
  // For batches of `batch` images of chain.in_channels() x height x width. Unsupported when
  // built without oneDNN or when oneDNN has no implementation for a layer on this CPU.
  // `share`, when given, was made from the same chain and sizes: the new instance uses its
  // (read-only, reference-counted) weights instead of a copy of its own.
  static Result<std::unique_ptr<OneDnnChain>> Create(const ConvChain& chain, int batch,
                                                     int height, int width,
                                                     const OneDnnChain* share = nullptr);
  ~OneDnnChain();
  OneDnnChain(const OneDnnChain&) = delete;
  OneDnnChain& operator=(const OneDnnChain&) = delete;

  // `input`: a CV_32F NCHW blob of exactly the size given to Create (as for
  // cv::dnn::Net::setInput). Returns batch x classes floats (CV_32F), probabilities when
  // the chain ends in a softmax, else logits. InvalidArgument for a wrong blob.
  Result<cv::Mat> Run(const cv::Mat& input);

  struct Impl;

 private:
  explicit OneDnnChain(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// True when this build runs chains with oneDNN.
bool OneDnnBuilt();

}  // namespace moodtune
