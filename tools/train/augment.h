// Batched, on-device data augmentation for [N,1,H,W] float images in [0,1].
// All randomness comes from torch's global generator (seeded by the trainer).
// The reference system failed on blurry photos, hence blur and noise besides the usual
// flips, shifts, crops, rotations and brightness/contrast.
#pragma once

#include <torch/torch.h>

namespace moodtune::train {

struct AugmentOptions {
  double flip_p = 0.5;          // horizontal flip probability
  double max_rotate_deg = 15;   // uniform rotation in [-d, d] degrees
  double max_shift = 0.10;      // translation, fraction of the side, each axis
  double scale_min = 0.85;      // zoom range (crop in / pad out)
  double scale_max = 1.15;
  double max_brightness = 0.15; // additive, in [0,1] pixel units
  double contrast_min = 0.7;    // multiplicative around the image mean
  double contrast_max = 1.3;
  double blur_p = 0.25;         // Gaussian blur probability
  double blur_sigma_max = 1.5;  // sigma uniform in [0.3, max], pixels
  double noise_p = 0.25;        // Gaussian noise probability
  double noise_std_max = 0.06;  // std uniform in [0, max], pixel units
  double erase_p = 0.4;         // random-erasing probability (area 2-20% of the image)
};

// Returns augmented images, same shape and device, clamped to [0,1].
torch::Tensor Augment(const torch::Tensor& x, const AugmentOptions& o);

// Gaussian blur with a per-sample sigma ([N] tensor); sigma <= 0 leaves a sample unchanged.
torch::Tensor GaussianBlur(const torch::Tensor& x, const torch::Tensor& sigma);

}  // namespace moodtune::train
