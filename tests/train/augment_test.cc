#include "augment.h"

#include <gtest/gtest.h>

namespace moodtune::train {
namespace {

TEST(AugmentTest, KeepsShapeAndRangeAndChangesImages) {
  torch::manual_seed(3);
  auto x = torch::rand({16, 1, 48, 48});
  auto y = Augment(x, AugmentOptions{});
  EXPECT_EQ(y.sizes(), x.sizes());
  EXPECT_GE(y.min().item<float>(), 0.0f);
  EXPECT_LE(y.max().item<float>(), 1.0f);
  EXPECT_GT((y - x).abs().mean().item<float>(), 0.01f);
}

TEST(AugmentTest, AllOffIsIdentityAndFlipMirrors) {
  AugmentOptions off;
  off.flip_p = 0;
  off.max_rotate_deg = 0;
  off.max_shift = 0;
  off.scale_min = off.scale_max = 1;
  off.max_brightness = 0;
  off.contrast_min = off.contrast_max = 1;
  off.blur_p = 0;
  off.noise_p = 0;
  off.erase_p = 0;
  auto x = torch::rand({4, 1, 48, 48});
  EXPECT_LT((Augment(x, off) - x).abs().max().item<float>(), 1e-5f);
  AugmentOptions flip = off;
  flip.flip_p = 1;
  EXPECT_LT((Augment(x, flip) - x.flip({3})).abs().max().item<float>(), 1e-5f);
}

TEST(AugmentTest, BlurSmoothsOnlySelectedSamples) {
  auto x = (torch::rand({2, 1, 16, 16}) > 0.5).to(torch::kFloat32);
  auto y = GaussianBlur(x, torch::tensor({0.0f, 1.5f}));
  EXPECT_TRUE(torch::allclose(y[0], x[0], 1e-5, 1e-5));
  EXPECT_LT(y[1].std().item<float>(), x[1].std().item<float>() * 0.8f);
  // Blur keeps the mean (normalised kernel, replicate padding keeps it close).
  EXPECT_NEAR(y[1].mean().item<float>(), x[1].mean().item<float>(), 0.05);
}

}  // namespace
}  // namespace moodtune::train
