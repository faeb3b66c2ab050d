#include "augment.h"

#include <cmath>

namespace moodtune::train {
namespace F = torch::nn::functional;

namespace {
torch::Tensor Uniform(int64_t n, double lo, double hi, const torch::TensorOptions& o) {
  return torch::rand({n}, o) * (hi - lo) + lo;
}
torch::Tensor Bernoulli(int64_t n, double p, const torch::TensorOptions& o) {
  return (torch::rand({n}, o) < p).to(o.dtype());
}
}  // namespace

torch::Tensor GaussianBlur(const torch::Tensor& x, const torch::Tensor& sigma) {
  const int64_t n = x.size(0), c = x.size(1), radius = 3;
  auto opt = x.options();
  auto t = torch::arange(-radius, radius + 1, opt);                    // [K]
  auto s = sigma.clamp_min(1e-3).view({n, 1});
  auto k1 = torch::exp(-(t.view({1, -1}) * t.view({1, -1})) / (2 * s * s));  // [N,K]
  // Samples with sigma <= 0 get a delta kernel.
  auto delta = (t.view({1, -1}) == 0).to(opt.dtype()).expand({n, -1});
  k1 = torch::where(sigma.view({n, 1}) > 0, k1, delta);
  k1 = k1 / k1.sum(1, true);
  auto k2 = (k1.unsqueeze(2) * k1.unsqueeze(1)).unsqueeze(1);           // [N,1,K,K]
  k2 = k2.repeat_interleave(c, 0);                                       // [N*C,1,K,K]
  auto padded = F::pad(x.reshape({1, n * c, x.size(2), x.size(3)}),
                       F::PadFuncOptions({radius, radius, radius, radius}).mode(torch::kReplicate));
  return F::conv2d(padded, k2, F::Conv2dFuncOptions().groups(n * c)).view(x.sizes());
}

torch::Tensor Augment(const torch::Tensor& x, const AugmentOptions& o) {
  const int64_t n = x.size(0);
  const int64_t h = x.size(2), w = x.size(3);
  auto opt = x.options();

  // Geometry: rotation, zoom, shift and flip in one affine warp.
  auto angle = Uniform(n, -o.max_rotate_deg, o.max_rotate_deg, opt) * (M_PI / 180.0);
  auto scale = Uniform(n, o.scale_min, o.scale_max, opt);
  auto flip = 1 - 2 * Bernoulli(n, o.flip_p, opt);
  auto tx = Uniform(n, -2 * o.max_shift, 2 * o.max_shift, opt);  // grid units span 2
  auto ty = Uniform(n, -2 * o.max_shift, 2 * o.max_shift, opt);
  auto cos = torch::cos(angle) / scale, sin = torch::sin(angle) / scale;
  auto theta = torch::stack({torch::stack({cos * flip, -sin, tx}, 1),
                             torch::stack({sin * flip, cos, ty}, 1)}, 1);  // [N,2,3]
  auto grid = F::affine_grid(theta, {n, x.size(1), h, w}, false);
  auto y = F::grid_sample(x, grid, F::GridSampleFuncOptions()
                                       .mode(torch::kBilinear)
                                       .padding_mode(torch::kBorder)
                                       .align_corners(false));

  // Photometric: contrast around the mean, then brightness.
  auto mean = y.mean({1, 2, 3}, true);
  auto contrast = Uniform(n, o.contrast_min, o.contrast_max, opt).view({n, 1, 1, 1});
  auto bright = Uniform(n, -o.max_brightness, o.max_brightness, opt).view({n, 1, 1, 1});
  y = (y - mean) * contrast + mean + bright;

  // Blur and sensor noise, each for a random subset.
  auto sigma = Uniform(n, 0.3, o.blur_sigma_max, opt) * Bernoulli(n, o.blur_p, opt);
  y = GaussianBlur(y, sigma);
  auto noise_std = Uniform(n, 0, o.noise_std_max, opt) * Bernoulli(n, o.noise_p, opt);
  y = y + torch::randn_like(y) * noise_std.view({n, 1, 1, 1});
  y = y.clamp(0, 1);

  // Random erasing: a rectangle of 2-20% of the area, filled with mid-gray.
  auto area = Uniform(n, 0.02, 0.20, opt) * double(h * w);
  auto aspect = torch::exp(Uniform(n, std::log(0.3), std::log(3.3), opt));
  auto eh = torch::sqrt(area * aspect).clamp_max(double(h));
  auto ew = torch::sqrt(area / aspect).clamp_max(double(w));
  auto y0 = torch::rand({n}, opt) * (double(h) - eh);
  auto x0 = torch::rand({n}, opt) * (double(w) - ew);
  auto rows = torch::arange(h, opt).view({1, h, 1});
  auto cols = torch::arange(w, opt).view({1, 1, w});
  auto inside = (rows >= y0.view({n, 1, 1})) & (rows < (y0 + eh).view({n, 1, 1})) &
                (cols >= x0.view({n, 1, 1})) & (cols < (x0 + ew).view({n, 1, 1}));
  auto erase = inside & (Bernoulli(n, o.erase_p, opt) > 0).view({n, 1, 1});
  y = torch::where(erase.unsqueeze(1), torch::full_like(y, 0.5), y);
  return y;
}

}  // namespace moodtune::train
