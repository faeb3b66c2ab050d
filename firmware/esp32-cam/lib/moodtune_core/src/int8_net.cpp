#include "moodtune_core/int8_net.h"

namespace moodtune::device {
namespace {

// Side of conv i's input (it halves after each pool).
uint16_t SideBefore(const Int8Net& net, int layer) {
  uint16_t side = net.side;
  for (int i = 0; i < layer; ++i)
    if (net.convs[i].pool_after) side = static_cast<uint16_t>(side / 2);
  return side;
}

// Rows of an HWC input, row `first_row` at `base`; callers only ask for rows they hold.
struct Rows {
  const uint8_t* base;
  int first_row;
  int cin;
  int side;
  const uint8_t* Row(int iy) const {
    return base + static_cast<size_t>(iy - first_row) * side * cin;
  }
};

// Output row y (side x cout, HWC) of conv + ReLU. kGray: the input is the crop itself, fed as
// 2 gray - 255 (the model's gray / 127.5 - 1 at scale 1/255).
template <bool kGray>
void ConvRow(const Int8Conv& c, const Rows& in, int side, int y, uint8_t* out) {
  for (int x = 0; x < side; ++x) {
    uint8_t* o = out + static_cast<size_t>(x) * c.cout;
    for (int co = 0; co < c.cout; ++co) {
      int32_t acc = c.bias[co];
      const int8_t* w = c.weights + static_cast<size_t>(co) * 9 * c.cin;
      for (int ky = 0; ky < 3; ++ky) {
        const int iy = y + ky - 1;
        if (iy < 0 || iy >= side) continue;  // zero padding
        const uint8_t* row = in.Row(iy);
        for (int kx = 0; kx < 3; ++kx) {
          const int ix = x + kx - 1;
          if (ix < 0 || ix >= side) continue;
          const uint8_t* px = row + static_cast<size_t>(ix) * c.cin;
          const int8_t* wk = w + (ky * 3 + kx) * c.cin;
          for (int ci = 0; ci < c.cin; ++ci) {
            const int32_t v = kGray ? 2 * static_cast<int32_t>(px[ci]) - 255 : px[ci];
            acc += v * wk[ci];
          }
        }
      }
      o[co] = Requantize(acc, c.mult[co], c.shift[co]);
    }
  }
}

// 2x2 max pool of two output rows (each side x ch) into one row of side/2 x ch.
void PoolRows(const uint8_t* a, const uint8_t* c, int side, int ch, uint8_t* out) {
  for (int x = 0; x < side / 2; ++x) {
    const uint8_t* a0 = a + static_cast<size_t>(2 * x) * ch;
    const uint8_t* c0 = c + static_cast<size_t>(2 * x) * ch;
    uint8_t* o = out + static_cast<size_t>(x) * ch;
    for (int k = 0; k < ch; ++k) {
      const uint8_t m = a0[k] > a0[ch + k] ? a0[k] : a0[ch + k];
      const uint8_t n = c0[k] > c0[ch + k] ? c0[k] : c0[ch + k];
      o[k] = m > n ? m : n;
    }
  }
}

// Output rows [y, y + n) of conv c into `out` (n rows), or, with pooling, pooled row y / 2 of
// rows y and y + 1 (n = 2) via `scratch` (2 rows).
template <bool kGray>
void ConvGroup(const Int8Conv& c, const Rows& in, int side, int y, uint8_t* out,
               uint8_t* scratch) {
  const size_t row = static_cast<size_t>(side) * c.cout;
  if (!c.pool_after) {
    ConvRow<kGray>(c, in, side, y, out);
    return;
  }
  ConvRow<kGray>(c, in, side, y, scratch);
  ConvRow<kGray>(c, in, side, y + 1, scratch + row);
  PoolRows(scratch, scratch + row, side, c.cout, out);
}

// A whole conv layer over a full input plane into a full output plane.
template <bool kGray>
void ConvLayer(const Int8Conv& c, const uint8_t* in, int side, uint8_t* out, uint8_t* scratch) {
  const Rows rows{in, 0, c.cin, side};
  const int step = c.pool_after ? 2 : 1;
  const int out_side = c.pool_after ? side / 2 : side;
  for (int y = 0; y + step <= side; y += step)
    ConvGroup<kGray>(c, rows, side, y, out + static_cast<size_t>(y / step) * out_side * c.cout,
                     scratch);
}

// The first two layers fused when the first has no pool: conv0's rows are computed from the
// crop a few at a time (the rows conv1 needs for its next output row or pooled pair), so its
// full side x side x c0 output never exists. Rows on a group's edges are computed twice.
bool FuseFirstTwo(const Int8Net& net) { return net.num_convs >= 2 && !net.convs[0].pool_after; }

size_t FusedRowsBytes(const Int8Net& net) {
  const int group = net.convs[1].pool_after ? 2 : 1;
  return static_cast<size_t>(group + 2) * net.side * net.convs[0].cout;
}

struct ArenaPlan {
  size_t rows = 0;     // conv0 rows of the fused first stage
  size_t scratch = 0;  // two un-pooled output rows of the widest pooled layer
  size_t work = 0;     // the largest input + output pair, ping-ponged at both ends
};

ArenaPlan Plan(const Int8Net& net) {
  ArenaPlan p;
  const int first = FuseFirstTwo(net) ? 2 : 1;
  if (first == 2) p.rows = FusedRowsBytes(net);
  size_t in_bytes = 0;  // conv0 reads the caller's crop
  for (int i = 0; i < net.num_convs; ++i) {
    const Int8Conv& c = net.convs[i];
    const size_t side = SideBefore(net, i);
    const size_t out_side = c.pool_after ? side / 2 : side;
    const size_t out_bytes = out_side * out_side * c.cout;
    if (c.pool_after && 2 * side * c.cout > p.scratch) p.scratch = 2 * side * c.cout;
    if (i + 1 >= first && in_bytes + out_bytes > p.work) p.work = in_bytes + out_bytes;
    if (i + 1 >= first) in_bytes = out_bytes;  // a fused conv0's output is only rows
  }
  return p;
}

}  // namespace

uint8_t Requantize(int32_t acc, int32_t mult, uint8_t shift) {
  if (acc <= 0 || shift == 0 || shift > 62) return 0;  // ReLU (mult is positive)
  const int64_t prod = static_cast<int64_t>(acc) * mult;
  const int64_t v = (prod + (static_cast<int64_t>(1) << (shift - 1))) >> shift;
  return v > 255 ? 255 : static_cast<uint8_t>(v);
}

bool Int8NetValid(const Int8Net& net) {
  if (net.convs == nullptr || net.num_convs == 0 || net.side == 0) return false;
  uint16_t ch = 1;
  uint16_t side = net.side;
  for (int i = 0; i < net.num_convs; ++i) {
    const Int8Conv& c = net.convs[i];
    if (c.cin != ch || c.cout == 0 || c.weights == nullptr || c.bias == nullptr ||
        c.mult == nullptr || c.shift == nullptr)
      return false;
    ch = c.cout;
    if (c.pool_after) {
      if (side < 2) return false;
      side = static_cast<uint16_t>(side / 2);
    }
  }
  const Int8Dense& d = net.dense;
  return d.cin == ch && d.cout > 0 && d.weights != nullptr && d.bias != nullptr;
}

size_t Int8ArenaBytes(const Int8Net& net) {
  if (!Int8NetValid(net)) return 0;
  const ArenaPlan p = Plan(net);
  return p.rows + p.scratch + p.work;
}

uint64_t Int8NetMacs(const Int8Net& net) {
  if (!Int8NetValid(net)) return 0;
  uint64_t macs = 0;
  for (int i = 0; i < net.num_convs; ++i) {
    const uint64_t s = SideBefore(net, i);
    macs += s * s * 9u * net.convs[i].cin * net.convs[i].cout;
  }
  return macs + static_cast<uint64_t>(net.dense.cin) * net.dense.cout;
}

int RunInt8Net(const Int8Net& net, const uint8_t* gray, uint8_t* arena, size_t arena_len,
               int32_t* logits) {
  const size_t need = Int8ArenaBytes(net);
  if (need == 0 || arena == nullptr || arena_len < need || gray == nullptr || logits == nullptr)
    return -1;
  const ArenaPlan plan = Plan(net);
  uint8_t* rows = arena;
  uint8_t* scratch = rows + plan.rows;
  uint8_t* work = scratch + plan.scratch;
  int side = net.side;
  const uint8_t* cur = nullptr;
  bool cur_low = false;  // where the current activation sits in `work`: low or high end
  int first = 1;
  if (FuseFirstTwo(net)) {
    const Int8Conv& c0 = net.convs[0];
    const Int8Conv& c1 = net.convs[1];
    const Rows crop{gray, 0, 1, side};
    const int group = c1.pool_after ? 2 : 1;
    const int out_side = c1.pool_after ? side / 2 : side;
    for (int y = 0; y + group <= side; y += group) {
      // conv0 rows y - 1 .. y + group (those inside the image) into `rows`.
      const int lo = y - 1 < 0 ? 0 : y - 1;
      const int hi = y + group + 1 > side ? side : y + group + 1;
      for (int r = lo; r < hi; ++r)
        ConvRow<true>(c0, crop, side, r, rows + static_cast<size_t>(r - lo) * side * c0.cout);
      ConvGroup<false>(c1, Rows{rows, lo, c0.cout, side}, side, y,
                       work + static_cast<size_t>(y / group) * out_side * c1.cout, scratch);
    }
    side = out_side;
    cur = work;
    cur_low = true;
    first = 2;
  } else {
    const Int8Conv& c0 = net.convs[0];
    ConvLayer<true>(c0, gray, side, work, scratch);
    side = c0.pool_after ? side / 2 : side;
    cur = work;
    cur_low = true;
  }
  for (int i = first; i < net.num_convs; ++i) {
    const Int8Conv& c = net.convs[i];
    const int out_side = c.pool_after ? side / 2 : side;
    const size_t out_bytes = static_cast<size_t>(out_side) * out_side * c.cout;
    uint8_t* out = cur_low ? work + plan.work - out_bytes : work;
    ConvLayer<false>(c, cur, side, out, scratch);
    cur = out;
    cur_low = !cur_low;
    side = out_side;
  }
  const Int8Dense& d = net.dense;
  const size_t area = static_cast<size_t>(side) * side;
  int best = 0;
  for (int k = 0; k < d.cout; ++k) {
    int32_t acc = d.bias[k];
    const int8_t* w = d.weights + static_cast<size_t>(k) * d.cin;
    for (int c = 0; c < d.cin; ++c) {
      int32_t sum = 0;  // global average pool, kept as a sum (1/area is in the scales)
      for (size_t q = 0; q < area; ++q) sum += cur[q * d.cin + c];
      acc += sum * w[c];
    }
    logits[k] = acc;
    if (acc > logits[best]) best = k;
  }
  return best;
}

}  // namespace moodtune::device
