// BlazeFace post-processing as pure functions: anchors, letterbox geometry, decoding of the
// raw regressors, IoU and weighted NMS. Coordinates are normalised to the square network
// input (0..1, origin top-left) until MapToImage turns them into original-image pixels.
// Thread-safety: pure functions on values.
#pragma once

#include <span>
#include <vector>

#include "moodtune/vision.h"

namespace moodtune {

struct Anchor {
  float cx = 0, cy = 0;  // normalised centre; MediaPipe's fixed_anchor_size makes w = h = 1
};

// One SSD layer of anchors: `cells` x `cells` grid, `per_cell` anchors at each centre.
struct AnchorLayer {
  int cells = 0;
  int per_cell = 0;
};

// The "back" 256x256 model: 16x16 cells x 2 anchors, then 8x8 cells x 6 = 896 anchors.
// (MediaPipe strides 16,32,32,32 with interpolated scales collapse to these two layers.)
inline constexpr AnchorLayer kBlazeFaceBackLayers[] = {{16, 2}, {8, 6}};

// Anchors in the network's output order: layer by layer, cells row-major, then per cell.
// Centre of cell (x, y) is ((x + 0.5) / cells, (y + 0.5) / cells).
std::vector<Anchor> MakeAnchors(std::span<const AnchorLayer> layers);

// How an image of `width` x `height` is scaled (aspect kept) and padded (equally on both
// sides) into a `side` x `side` square.
struct Letterbox {
  float scale = 1;    // network pixels per image pixel
  float pad_x = 0;    // network pixels of padding left of the image
  float pad_y = 0;    // network pixels of padding above the image
  int resized_w = 0;  // image size inside the square, network pixels
  int resized_h = 0;
  int side = 0;
};
// zoom_out > 1 shrinks the image further inside the square (more padding), so faces that
// fill the photo look as small as the "back" model expects.
Letterbox MakeLetterbox(int width, int height, int side, float zoom_out = 1.0f);

// A normalised network-input point -> original-image pixels.
Point MapToImage(const Letterbox& lb, float nx, float ny);

// A decoded candidate, still normalised to the network input.
struct Candidate {
  float cx = 0, cy = 0, w = 0, h = 0;
  std::array<Point, 6> keypoints{};
  float score = 0;
};

inline constexpr int kBlazeFaceValues = 16;  // box (4) + 6 keypoints (12) per anchor

// Turns raw outputs into candidates above `min_score`. `scores` holds one logit per
// anchor, `regressors` 16 values per anchor (dx, dy, w, h, then kp x/y pairs) in network
// pixels of a `side`-pixel input, offsets relative to the anchor centre. Logits are clipped
// to +-100 before the sigmoid, as MediaPipe does.
std::vector<Candidate> DecodeCandidates(std::span<const float> scores,
                                        std::span<const float> regressors,
                                        std::span<const Anchor> anchors, int side, float min_score);

float Sigmoid(float x);
// Intersection over union of two centre/size boxes; 0 when either is empty.
float IoU(const Candidate& a, const Candidate& b);
float IoU(const Box& a, const Box& b);

// MediaPipe's weighted NMS: take the best remaining candidate, merge every remaining one
// whose IoU with it is > `iou` into a score-weighted average of boxes and keypoints (score
// stays the best one's), repeat. Result is best first, at most `max_out` entries.
std::vector<Candidate> WeightedNms(std::vector<Candidate> candidates, float iou, int max_out);

// Issue 12: whether the cheap front (128x128) pass alone is the answer: it found at least one
// face, and every face either scores at least `confident_score` and spans at least
// `min_share` of the image's long side, or spans at least `large_share` (a large face is
// kept whatever "back" says, so "back" could only add other faces; the camera close-up, where
// the front model is often unsure, stays on the cheap pass). `width` x `height` is the space
// of the boxes. False for an empty list or a degenerate image size.
bool FrontPassSuffices(std::span<const Detection> front, int width, int height,
                       float confident_score, float min_share, float large_share);

}  // namespace moodtune
