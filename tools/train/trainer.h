// The training loop: packed data in, checkpoints out. libtorch only.
// Thread-safety: one Train() call per process (it seeds torch's global generator).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "augment.h"
#include "model.h"
#include "moodtune/pack.h"
#include "moodtune/status.h"

namespace moodtune::train {

struct TrainOptions {
  // Training packs (.mtpk from `moodtune pack`), concatenated; "PATH:N" takes a seeded random
  // N images of that pack (e.g. a FER2013 sample beside all real photos). At least one.
  std::vector<std::string> train_packs;
  std::string init_checkpoint;  // start from these weights (fine-tuning); "" = random
  int64_t freeze_blocks = 0;    // keep the first N conv blocks fixed (faster on CPU)
  // Knowledge distillation: teacher checkpoints (an ensemble when several) whose softened
  // probabilities the student also learns, on the same augmented batch (Hinton et al. 2015).
  std::vector<std::string> teachers;
  double distill_weight = 0.7;           // loss = (1-w) CE + w T^2 KL(teacher || student)
  double distill_temperature = 4.0;      // T, softens both distributions
  std::string val_pack;                  // .mtpk for model selection; empty = none
  std::string out_dir = "runs/emotion";  // writes last.ckpt (every epoch) and best.ckpt
  int64_t epochs = 60;                   // planned epochs (cosine LR schedule spans them)
  int64_t batch_size = 128;
  double lr = 0.05;            // peak SGD learning rate
  double momentum = 0.9;       // Nesterov momentum
  double weight_decay = 5e-4;  // on conv/linear weights only
  int64_t warmup_epochs = 2;   // linear LR warm-up
  double label_smoothing = 0.1;
  double class_weight_power = 0.5;  // loss weight per class = (mean count / count)^power
  uint64_t seed = 42;               // fixes init, shuffling and augmentation
  bool resume = false;              // continue from <out_dir>/last.ckpt toward its own plan
  int64_t stop_after = 0;           // end this run after N epochs (0 = run to the end)
  int64_t limit = 0;                // use only the first N training images (0 = all)
  double time_budget_s = 0;         // >0: after epoch 1, cut planned epochs to fit
  std::string device = "auto";      // auto | cpu | cuda
  bool progress = true;             // progress bar / per-epoch lines on the log stream
  ModelOptions model;
  AugmentOptions augment;
};

struct TrainReport {
  int64_t epochs_done = 0;
  int64_t total_epochs = 0;
  double best_val_acc = 0;  // 7-class accuracy on val_pack (0 when none)
  int64_t best_epoch = 0;
  double seconds = 0;  // wall time of this run
};

Result<TrainReport> Train(const TrainOptions& opts, std::ostream& log);

// Pixels (uint8, [N,1,H,W]) -> network input: x/127.5 - 1. The ONNX model expects the same.
torch::Tensor Normalize(const torch::Tensor& u8);

// Splits "PATH:N" into PATH and N (0 = all); InvalidArgument on a bad N.
Result<std::pair<std::string, int64_t>> ParsePackSpec(const std::string& spec);

// Temperature scaling (Guo et al. 2017): the T > 0 that minimises the negative log-likelihood
// of softmax(logits / T) on `labels`, by golden-section search over [0.25, 10].
double FitTemperature(const torch::Tensor& logits, const torch::Tensor& labels);
// Expected calibration error of probabilities [N,C] against labels [N]: the top class's
// confidence and correctness, binned as moodtune::ExpectedCalibrationError does (15 equal
// bins by default); 0 for an empty input.
double ExpectedCalibrationError(const torch::Tensor& probs, const torch::Tensor& labels,
                                int bins = 15);
// Mean logits of several nets for every image of a pack: [N, classes] (eval mode).
torch::Tensor EnsembleLogits(std::vector<EmotionNet>& nets, const PackedDataset& data,
                             bool flip_tta);

// Accuracy of `net` on a packed dataset; with flip_tta, logits of the image and its mirror
// are averaged.
double Accuracy(EmotionNet& net, const PackedDataset& data, torch::Device device, bool flip_tta);

// Mean softmax probabilities of several nets (an ensemble) for every image: [N, classes].
torch::Tensor EnsembleProbs(std::vector<EmotionNet>& nets, const PackedDataset& data,
                            bool flip_tta);

}  // namespace moodtune::train
