// ONNX -> trainer checkpoint, for fine-tuning a shipped model whose checkpoint is not at hand
// (models/emotion/emotion.onnx is committed; runs/ is not). Reads the graph ExportOnnx writes:
// conv<i>.w/.b (batch-norm folded in) and fc.w/.b.
// Thread-safety: pure function of its inputs.
#pragma once

#include <string>

#include "checkpoint.h"
#include "moodtune/pack.h"
#include "moodtune/status.h"

namespace moodtune::train {

// Rebuilds the EmotionNet of `onnx_path` (single net, not an ensemble; any temperature baked
// in stays in fc). Batch-norm is unfolded so that the net computes exactly the same function
// in eval mode and nearly the same in train mode: each BN's running statistics are measured
// on the first 2,048 images of `calib` (a training pack; the
// function in eval mode does not depend on which) and gamma/beta set to undo them.
// InvalidArgument when the graph is not an EmotionNet export.
Result<Checkpoint> ImportOnnx(const std::string& onnx_path, const PackedDataset& calib);

}  // namespace moodtune::train
