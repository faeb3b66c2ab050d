#include "moodtune_core/int8_net.h"

namespace moodtune::device {
namespace {

// Output side of conv i's input (side halves after each pool).
uint16_t SideBefore(const Int8Net& net, int layer) {
  uint16_t side = net.side;
  for (int i = 0; i < layer; ++i)
    if (net.convs[i].pool_after) side = static_cast<uint16_t>(side / 2);
  return side;
}

// One conv + ReLU over an HWC input of `side` x `side` x cin; In is int16 (first layer) or
// uint8. Output HWC uint8.
template <typename In>
void Conv3x3(const Int8Conv& c, const In* in, uint16_t side, uint8_t* out) {
  const int s = side;
  for (int y = 0; y < s; ++y) {
    for (int x = 0; x < s; ++x) {
      uint8_t* o = out + (static_cast<size_t>(y) * s + x) * c.cout;
      for (int co = 0; co < c.cout; ++co) {
        int32_t acc = c.bias[co];
        const int8_t* w = c.weights + static_cast<size_t>(co) * 9 * c.cin;
        for (int ky = 0; ky < 3; ++ky) {
          const int iy = y + ky - 1;
          if (iy < 0 || iy >= s) continue;  // zero padding
          for (int kx = 0; kx < 3; ++kx) {
            const int ix = x + kx - 1;
            if (ix < 0 || ix >= s) continue;
            const In* px = in + (static_cast<size_t>(iy) * s + ix) * c.cin;
            const int8_t* wk = w + (ky * 3 + kx) * c.cin;
            for (int ci = 0; ci < c.cin; ++ci) acc += static_cast<int32_t>(px[ci]) * wk[ci];
          }
        }
        o[co] = Requantize(acc, c.mult[co], c.shift[co]);
      }
    }
  }
}

void MaxPool2x2(const uint8_t* in, uint16_t side, uint16_t ch, uint8_t* out) {
  const int half = side / 2;
  for (int y = 0; y < half; ++y) {
    for (int x = 0; x < half; ++x) {
      const uint8_t* a = in + (static_cast<size_t>(2 * y) * side + 2 * x) * ch;
      const uint8_t* b = a + ch;
      const uint8_t* c = a + static_cast<size_t>(side) * ch;
      const uint8_t* d = c + ch;
      uint8_t* o = out + (static_cast<size_t>(y) * half + x) * ch;
      for (int k = 0; k < ch; ++k) {
        uint8_t m = a[k] > b[k] ? a[k] : b[k];
        const uint8_t n = c[k] > d[k] ? c[k] : d[k];
        o[k] = m > n ? m : n;
      }
    }
  }
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
  size_t largest = 0;
  for (int i = 0; i < net.num_convs; ++i) {
    const size_t s = SideBefore(net, i);
    const size_t bytes = s * s * net.convs[i].cout;
    if (bytes > largest) largest = bytes;
  }
  const size_t input = static_cast<size_t>(net.side) * net.side * sizeof(int16_t);
  return input + 2 * largest;
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
  const size_t plane = static_cast<size_t>(net.side) * net.side;
  // The int16 input plane first (2-byte aligned when the arena is), then the two buffers.
  int16_t* input = reinterpret_cast<int16_t*>(arena);
  uint8_t* a = arena + plane * sizeof(int16_t);
  uint8_t* b = a + (need - plane * sizeof(int16_t)) / 2;
  for (size_t i = 0; i < plane; ++i) input[i] = static_cast<int16_t>(2 * gray[i] - 255);

  uint16_t side = net.side;
  uint8_t* cur = nullptr;  // the current activation (in a or b)
  for (int i = 0; i < net.num_convs; ++i) {
    const Int8Conv& c = net.convs[i];
    uint8_t* dst = cur == a ? b : a;
    if (i == 0) Conv3x3(c, input, side, dst);
    else Conv3x3(c, cur, side, dst);
    cur = dst;
    if (c.pool_after) {
      uint8_t* pooled = cur == a ? b : a;
      MaxPool2x2(cur, side, c.cout, pooled);
      side = static_cast<uint16_t>(side / 2);
      cur = pooled;
    }
  }
  const Int8Dense& d = net.dense;
  const size_t area = static_cast<size_t>(side) * side;
  int best = 0;
  for (int k = 0; k < d.cout; ++k) {
    int32_t acc = d.bias[k];
    const int8_t* w = d.weights + static_cast<size_t>(k) * d.cin;
    for (int c = 0; c < d.cin; ++c) {
      int32_t sum = 0;  // global average pool, kept as a sum (1/area is in the scales)
      for (size_t p = 0; p < area; ++p) sum += cur[p * d.cin + c];
      acc += sum * w[c];
    }
    logits[k] = acc;
    if (acc > logits[best]) best = k;
  }
  return best;
}

}  // namespace moodtune::device
