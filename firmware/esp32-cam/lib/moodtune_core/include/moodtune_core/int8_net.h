// A small int8 inference routine for the emotion net on the device: 3x3 convolutions
// (stride 1, zero padding 1) with ReLU, 2x2 max pooling, global average pooling and one dense
// layer, on a square grayscale crop. Weights are int8 per output channel, activations uint8
// (after ReLU, zero point 0), accumulators int32, requantisation by a Q31 multiplier and a
// right shift: integer only, so it runs the same on a core without an FPU (lx106) and on the
// host. Allocates nothing: the caller provides the weights (const arrays, in flash on the
// device) and one scratch arena (Int8ArenaBytes).
// Thread-safety: pure functions on caller-owned memory; one arena per concurrent call.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace moodtune::device {

// One 3x3 convolution + ReLU (+ optional 2x2 max pool afterwards). Activations are HWC.
struct Int8Conv {
  uint16_t cin = 0;
  uint16_t cout = 0;
  uint8_t pool_after = 0;          // 1: 2x2 max pool, stride 2, after the ReLU
  const int8_t* weights = nullptr;  // [cout][3][3][cin]
  const int32_t* bias = nullptr;    // [cout], in accumulator units (input scale x weight scale)
  const int32_t* mult = nullptr;    // [cout], Q31 requantisation multiplier in [2^30, 2^31)
  const uint8_t* shift = nullptr;   // [cout], right shift after the multiply, 31..62
};

// Global average pool over the last conv's output, then logits = W x sum + bias (the 1/area
// of the average is folded into the bias and the logits' scale by the quantiser).
struct Int8Dense {
  uint16_t cin = 0;
  uint16_t cout = 0;
  const int8_t* weights = nullptr;  // [cout][cin], one scale for the whole matrix
  const int32_t* bias = nullptr;    // [cout], in accumulator units
};

struct Int8Net {
  uint16_t side = 48;              // input is side x side grayscale
  const Int8Conv* convs = nullptr;  // the first takes the crop (1 channel)
  uint8_t num_convs = 0;
  Int8Dense dense;
};

// Scratch bytes RunInt8Net needs for `net`: the largest layer input + output pair (the two
// ping-pong at the ends of one buffer), two un-pooled rows for pooling on the fly, and, when
// the first conv does not pool, a few of its rows (it is computed row by row from the crop as
// the second conv needs them, so its full output never exists). 0 when the net is malformed
// (see Int8NetValid).
size_t Int8ArenaBytes(const Int8Net& net);
// True when the layer chain is consistent (channels match, sizes stay >= 1, pointers set).
bool Int8NetValid(const Int8Net& net);
// Multiply-accumulates of one inference (convolutions with padding taps counted, dense).
uint64_t Int8NetMacs(const Int8Net& net);

// Runs the net on `gray` (side x side bytes, row-major; the model's input is gray/127.5 - 1,
// which is exactly (2 gray - 255)/255 and is computed so from each pixel; `gray` is read, not
// copied, and must stay valid for the call). Writes net.dense.cout logits
// (in the dense accumulator's units: comparable with each other, so argmax is the class) and
// returns the index of the largest; -1 when the arena is smaller than Int8ArenaBytes or the
// net is not valid.
int RunInt8Net(const Int8Net& net, const uint8_t* gray, uint8_t* arena, size_t arena_len,
               int32_t* logits);

// round(acc * mult / 2^shift), clamped to 0..255: the requantisation step, exposed for tests.
uint8_t Requantize(int32_t acc, int32_t mult, uint8_t shift);

}  // namespace moodtune::device
