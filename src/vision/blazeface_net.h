// One BlazeFace model behind one call: its forward pass through oneDNN (blazeface_graph.h +
// onednn_blaze.h) when the graph fits and the build has it, else through OpenCV DNN, with a
// copy per concurrent caller either way. Both compute the same function (docs/vision.md,
// "Detector backend").
// Thread-safety: Run may be called from any number of threads at once.
#pragma once

#include <memory>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "moodtune/status.h"

namespace moodtune {

// The outputs the detector decodes, in Run's order: logits of the 16x16 and 8x8 anchor
// layers, then their regressors.
inline const std::vector<std::string> kBlazeFaceOutputs = {"Identity:0", "Identity_1:0",
                                                           "Identity_2:0", "Identity_3:0"};

class BlazeFaceNet {
 public:
  // `backend`: "auto" (oneDNN when it can, else OpenCV DNN), "opencv" or "onednn"
  // (BlazeFaceOptions::backend). `copies`: instances for concurrent callers (0 = one per
  // core, as NetPool). InvalidArgument for another backend name or a file OpenCV cannot
  // load; with "onednn", the reason oneDNN cannot run it (Unsupported for a graph outside
  // blazeface_graph.h's patterns or a build without oneDNN/libonnx).
  static Result<std::unique_ptr<BlazeFaceNet>> Create(const std::string& path,
                                                      const std::string& backend, int copies);
  virtual ~BlazeFaceNet() = default;

  // `blob`: 1 x side x side x 3 float (BlazeFaceInput). The kBlazeFaceOutputs, each a Mat of
  // the caller's own (the net keeps no reference). Internal for a library failure.
  virtual Result<std::vector<cv::Mat>> Run(const cv::Mat& blob) const = 0;

  // "onednn" or "opencv": what Create chose.
  virtual const char* backend() const = 0;
};

}  // namespace moodtune
