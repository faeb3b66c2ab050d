#include "moodtune_core/on_device.h"

namespace moodtune::device {
namespace {

// Source pixels [*first, *last] that output pixel `o` covers, when `src` pixels map onto `dst`
// (coordinates scaled by dst on the source side and by src on the output side, so every
// boundary is an integer; both are uint16, so every product fits in 32 bits), and the overlap
// of source pixel i with it: Overlap(i).
struct Span {
  uint32_t lo, hi;  // output pixel o spans [o src, (o + 1) src) in scaled units
  uint32_t dst;
  uint32_t First() const { return lo / dst; }
  uint32_t Last() const { return (hi - 1) / dst; }
  uint32_t Overlap(uint32_t i) const {
    const uint32_t a = i * dst > lo ? i * dst : lo;
    const uint32_t b = (i + 1) * dst < hi ? (i + 1) * dst : hi;
    return b - a;
  }
};

Span SpanOf(uint32_t o, uint32_t src, uint32_t dst) { return Span{o * src, (o + 1) * src, dst}; }

}  // namespace

uint16_t CentreSquareSide(const GrayImage& img, uint16_t fraction_permille) {
  if (img.width == 0 || img.height == 0 || fraction_permille == 0 || fraction_permille > 1000)
    return 0;
  const uint32_t shorter = img.width < img.height ? img.width : img.height;
  const uint32_t side = shorter * fraction_permille / 1000;
  return static_cast<uint16_t>(side == 0 ? 1 : side);
}

bool CentreCropGray(const GrayImage& img, uint16_t fraction_permille, uint8_t* out,
                    uint16_t out_side) {
  const uint32_t side = CentreSquareSide(img, fraction_permille);
  if (side == 0 || img.pixels == nullptr || img.stride < img.width || out == nullptr ||
      out_side == 0)
    return false;
  const uint8_t* origin = img.pixels + static_cast<size_t>((img.height - side) / 2) * img.stride +
                          (img.width - side) / 2;
  const uint64_t total = static_cast<uint64_t>(side) * side;  // sum of all weights per pixel
  for (uint32_t oy = 0; oy < out_side; ++oy) {
    const Span sy = SpanOf(oy, side, out_side);
    for (uint32_t ox = 0; ox < out_side; ++ox) {
      const Span sx = SpanOf(ox, side, out_side);
      uint64_t sum = 0;
      for (uint32_t y = sy.First(); y <= sy.Last(); ++y) {
        const uint8_t* row = origin + static_cast<size_t>(y) * img.stride;
        uint32_t row_sum = 0;  // the overlaps add up to side: <= 255 x 65535, fits
        for (uint32_t x = sx.First(); x <= sx.Last(); ++x) row_sum += sx.Overlap(x) * row[x];
        sum += static_cast<uint64_t>(row_sum) * sy.Overlap(y);
      }
      out[oy * out_side + ox] = static_cast<uint8_t>((sum + total / 2) / total);
    }
  }
  return true;
}

size_t OnDeviceArenaBytes(const Int8Net& net) {
  const size_t net_bytes = Int8ArenaBytes(net);
  return net_bytes == 0 ? 0 : static_cast<size_t>(net.side) * net.side + net_bytes;
}

int ReadEmotionOnDevice(const Int8Net& net, const GrayImage& img, uint16_t fraction_permille,
                        uint8_t* arena, size_t arena_len, int32_t* logits) {
  const size_t need = OnDeviceArenaBytes(net);
  if (need == 0 || arena == nullptr || arena_len < need) return -1;
  const size_t input = static_cast<size_t>(net.side) * net.side;
  if (!CentreCropGray(img, fraction_permille, arena, net.side)) return -1;
  return RunInt8Net(net, arena, arena + input, arena_len - input, logits);
}

}  // namespace moodtune::device
