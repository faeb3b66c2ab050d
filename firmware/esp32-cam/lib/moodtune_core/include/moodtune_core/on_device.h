// The emotion read on the device for a fixed framing (the user looks into the camera): no face
// detector, the central square of a grayscale frame (a fixed fraction of its shorter side) is
// area-averaged down to the int8 net's input (int8_net.h) and classified there. Integer only,
// no allocation: the caller passes the frame, the net and one scratch arena
// (OnDeviceArenaBytes), static on the device.
// Thread-safety: pure functions on caller-owned memory; one arena per concurrent call.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "moodtune_core/int8_net.h"

namespace moodtune::device {

// A borrowed 8-bit grayscale image, row-major.
struct GrayImage {
  const uint8_t* pixels = nullptr;
  uint16_t width = 0;
  uint16_t height = 0;
  uint32_t stride = 0;  // bytes from one row to the next, >= width
};

// 8-bit gray of an RGB pixel as OpenCV 4's cvtColor computes it (BT.601 weights 0.299, 0.587,
// 0.114 in 15-bit fixed point, rounded): for adapters that decode to RGB.
inline uint8_t GrayOf(uint8_t r, uint8_t g, uint8_t b) {
  return static_cast<uint8_t>((r * 9798u + g * 19235u + b * 3735u + (1u << 14)) >> 15);
}

// Side, in pixels, of the centre square CentreCropGray takes: the shorter side x
// fraction_permille / 1000, at least 1; 0 when the image is empty or the fraction is 0 or
// above 1000.
uint16_t CentreSquareSide(const GrayImage& img, uint16_t fraction_permille);

// Writes the centre square of `img` (side CentreSquareSide, top-left at ((w - side) / 2,
// (h - side) / 2)) resized to out_side x out_side into `out` (row-major, out_side^2 bytes),
// each output pixel the exact area-weighted mean of the source pixels it covers, rounded (what
// OpenCV's INTER_AREA computes when shrinking, in integers). These are the bytes RunInt8Net
// takes as `gray`. False (out untouched) on an empty image, a stride below the width, a
// null pointer, out_side 0 or a fraction outside 1..1000.
bool CentreCropGray(const GrayImage& img, uint16_t fraction_permille, uint8_t* out,
                    uint16_t out_side);

// The shipped emotion net, int8: defined by emotion_int8_model.cpp, which the build generates
// from models/emotion/emotion.onnx (moodtune_int8_gen; for PlatformIO
// scripts/gen_model.sh writes it into src/). Its weights are const: flash on the device.
extern const Int8Net kEmotionInt8Net;

// Scratch bytes ReadEmotionOnDevice needs: the net's input crop + Int8ArenaBytes(net); 0 when
// the net is not valid.
size_t OnDeviceArenaBytes(const Int8Net& net);

// Centre crop of `img` -> net.side x net.side input (at the start of `arena`) -> RunInt8Net.
// Writes net.dense.cout logits and returns the class index (WireEmotion order for the shipped
// net); -1 when the crop is refused (see CentreCropGray) or the arena is too small.
int ReadEmotionOnDevice(const Int8Net& net, const GrayImage& img, uint16_t fraction_permille,
                        uint8_t* arena, size_t arena_len, int32_t* logits);

}  // namespace moodtune::device
