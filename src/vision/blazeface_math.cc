#include "blazeface_math.h"

#include <algorithm>
#include <cmath>

namespace moodtune {

std::vector<Anchor> MakeAnchors(std::span<const AnchorLayer> layers) {
  std::vector<Anchor> anchors;
  for (const AnchorLayer& l : layers) {
    for (int y = 0; y < l.cells; ++y) {
      for (int x = 0; x < l.cells; ++x) {
        const Anchor a{(x + 0.5f) / l.cells, (y + 0.5f) / l.cells};
        for (int k = 0; k < l.per_cell; ++k) anchors.push_back(a);
      }
    }
  }
  return anchors;
}

Letterbox MakeLetterbox(int width, int height, int side, float zoom_out) {
  Letterbox lb;
  lb.side = side;
  if (width <= 0 || height <= 0 || side <= 0) return lb;
  lb.scale = static_cast<float>(side) / (std::max(width, height) * std::max(1.0f, zoom_out));
  lb.resized_w = std::clamp(static_cast<int>(std::lround(width * lb.scale)), 1, side);
  lb.resized_h = std::clamp(static_cast<int>(std::lround(height * lb.scale)), 1, side);
  lb.pad_x = (side - lb.resized_w) / 2;  // integer pixels: the resized image sits on the grid
  lb.pad_y = (side - lb.resized_h) / 2;
  return lb;
}

Point MapToImage(const Letterbox& lb, float nx, float ny) {
  // Undo the padding, then the scale (rounding of resized_w/h is under half a network pixel).
  return {(nx * lb.side - lb.pad_x) / lb.scale, (ny * lb.side - lb.pad_y) / lb.scale};
}

float Sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

std::vector<Candidate> DecodeCandidates(std::span<const float> scores,
                                        std::span<const float> regressors,
                                        std::span<const Anchor> anchors, int side,
                                        float min_score) {
  std::vector<Candidate> out;
  const std::size_t n =
      std::min({scores.size(), anchors.size(), regressors.size() / kBlazeFaceValues});
  const float inv = 1.0f / side;
  for (std::size_t i = 0; i < n; ++i) {
    const float score = Sigmoid(std::clamp(scores[i], -100.0f, 100.0f));
    if (score < min_score) continue;
    const float* r = regressors.data() + i * kBlazeFaceValues;
    const Anchor& a = anchors[i];
    Candidate c;
    c.score = score;
    c.cx = a.cx + r[0] * inv;
    c.cy = a.cy + r[1] * inv;
    c.w = r[2] * inv;
    c.h = r[3] * inv;
    for (int k = 0; k < 6; ++k) {
      c.keypoints[k] = {a.cx + r[4 + 2 * k] * inv, a.cy + r[5 + 2 * k] * inv};
    }
    out.push_back(c);
  }
  return out;
}

namespace {
float Overlap(float a_lo, float a_hi, float b_lo, float b_hi) {
  return std::max(0.0f, std::min(a_hi, b_hi) - std::max(a_lo, b_lo));
}
float IoURect(float ax, float ay, float aw, float ah, float bx, float by, float bw, float bh) {
  if (aw <= 0 || ah <= 0 || bw <= 0 || bh <= 0) return 0;
  const float inter = Overlap(ax, ax + aw, bx, bx + bw) * Overlap(ay, ay + ah, by, by + bh);
  return inter / (aw * ah + bw * bh - inter);
}
}  // namespace

float IoU(const Candidate& a, const Candidate& b) {
  return IoURect(a.cx - a.w / 2, a.cy - a.h / 2, a.w, a.h, b.cx - b.w / 2, b.cy - b.h / 2, b.w,
                 b.h);
}

float IoU(const Box& a, const Box& b) { return IoURect(a.x, a.y, a.w, a.h, b.x, b.y, b.w, b.h); }

std::vector<Candidate> WeightedNms(std::vector<Candidate> candidates, float iou, int max_out) {
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const Candidate& a, const Candidate& b) { return a.score > b.score; });
  std::vector<Candidate> out;
  std::vector<bool> used(candidates.size(), false);
  for (std::size_t i = 0; i < candidates.size() && static_cast<int>(out.size()) < max_out; ++i) {
    if (used[i]) continue;
    const Candidate& best = candidates[i];
    Candidate acc{};  // score-weighted sums
    float total = 0;
    for (std::size_t j = i; j < candidates.size(); ++j) {
      if (used[j] || (j != i && IoU(best, candidates[j]) <= iou)) continue;
      used[j] = true;
      const Candidate& c = candidates[j];
      const float w = c.score;
      acc.cx += c.cx * w;
      acc.cy += c.cy * w;
      acc.w += c.w * w;
      acc.h += c.h * w;
      for (int k = 0; k < 6; ++k) {
        acc.keypoints[k].x += c.keypoints[k].x * w;
        acc.keypoints[k].y += c.keypoints[k].y * w;
      }
      total += w;
    }
    if (total <= 0) continue;
    acc.cx /= total;
    acc.cy /= total;
    acc.w /= total;
    acc.h /= total;
    for (auto& p : acc.keypoints) {
      p.x /= total;
      p.y /= total;
    }
    acc.score = best.score;
    out.push_back(acc);
  }
  return out;
}

bool FrontPassSuffices(std::span<const Detection> front, int width, int height,
                       float confident_score, float min_share, float large_share) {
  if (front.empty() || width <= 0 || height <= 0) return false;
  const float long_side = static_cast<float>(std::max(width, height));
  return std::all_of(front.begin(), front.end(), [&](const Detection& d) {
    const float size = std::max(d.box.w, d.box.h);
    return (d.score >= confident_score && size >= min_share * long_side) ||
           size >= large_share * long_side;
  });
}

}  // namespace moodtune
