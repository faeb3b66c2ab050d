// Trainer checkpoints in our own plain binary format (not torch::save), so a checkpoint
// written by one libtorch version (e.g. PyTorch 2.x on a GPU machine) loads in another
// (Debian's libtorch 1.13 here). Holds the architecture, progress and named float tensors.
// Layout (little-endian): "MTCK" u32 version(=1), u32 nwidths, i64 widths[], i64
// convs_per_block, f64 dropout, i64 input_size, i64 num_classes, i64 epoch, i64 total_epochs,
// f64 best_val_acc, i64 best_epoch, u64 seed, u32 ntensors, then per tensor: u32 name length,
// name, u32 ndim, i64 dims[], f32 data[].
#pragma once

#include <torch/torch.h>

#include <string>
#include <utility>
#include <vector>

#include "model.h"
#include "moodtune/status.h"

namespace moodtune::train {

struct Checkpoint {
  ModelOptions model;
  int64_t epoch = 0;         // completed epochs
  int64_t total_epochs = 0;  // planned epochs (the LR schedule depends on it)
  double best_val_acc = 0;
  int64_t best_epoch = 0;
  uint64_t seed = 0;
  std::vector<std::pair<std::string, torch::Tensor>> tensors;  // CPU float32, contiguous
};

// Writes path + ".part" then renames, so an interrupted save never corrupts a checkpoint.
Status SaveCheckpoint(const Checkpoint& ck, const std::string& path);
// NotFound for a missing file; InvalidArgument for a corrupt one.
Result<Checkpoint> LoadCheckpoint(const std::string& path);

// Model weights and buffers as "model.<name>" tensors, and back. LoadWeights checks names
// and shapes and fails with InvalidArgument on any mismatch.
void AppendWeights(EmotionNet& net, Checkpoint* ck);
Status LoadWeights(const Checkpoint& ck, EmotionNet& net);
// Loads each checkpoint into a net in eval mode (an ensemble when there are several).
Result<std::vector<EmotionNet>> LoadNets(const std::vector<std::string>& checkpoint_paths);
// Finds a tensor by name; nullptr when absent.
const torch::Tensor* FindTensor(const Checkpoint& ck, const std::string& name);

}  // namespace moodtune::train
