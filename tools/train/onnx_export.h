// ONNX export of EmotionNet, built directly as an ONNX graph with Debian's libonnx: batch-norm
// is folded into the convolutions; the graph ends in Softmax, so the model outputs
// probabilities. Input "input" [N,1,S,S] (x/127.5-1), output "probs" [N,7]. Opset 11.
// Thread-safety: pure function of its inputs.
#pragma once

#include <string>
#include <vector>

#include "model.h"
#include "moodtune/status.h"

namespace moodtune::train {

// Serialises `net` (its current weights, eval-mode semantics) to `path`; the file is
// checked with onnx::checker before it is written.
Status ExportOnnx(EmotionNet& net, const std::string& path);
// An ensemble: one graph whose output is the mean of the members' probabilities.
Status ExportOnnx(const std::vector<EmotionNet*>& nets, const std::string& path);
// Loads a checkpoint and exports it.
Status ExportCheckpointToOnnx(const std::string& checkpoint_path, const std::string& path);
Status ExportCheckpointsToOnnx(const std::vector<std::string>& checkpoint_paths,
                               const std::string& path);

}  // namespace moodtune::train
