// Packed image datasets: a compact, lossless, dependency-free file of small grayscale images
// with labels, written by `moodtune pack` (OpenCV side) and read by the trainer core (libtorch
// only, so it builds on machines without OpenCV).
//
// File layout (little-endian):
//   "MTPK" u32 version(=1) u32 count u16 height u16 width u8 num_classes
//   num_classes x (u8 len, name bytes)
//   count x (u8 label, u32 nbytes, nbytes of EncodeGray output)
// Each image is coded with LOCO-I (JPEG-LS) median prediction and adaptive Rice codes:
// about 60% of the raw size on FER2013.
// Thread-safety: pure functions; PackWriter/ReadPack are not shared between threads.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "moodtune/status.h"

namespace moodtune {

// Lossless codec for one 8-bit grayscale image, row-major, `width` x `height`.
std::vector<std::uint8_t> EncodeGray(std::span<const std::uint8_t> pixels, int width, int height);
// Returns InvalidArgument on truncated or corrupt input.
Result<std::vector<std::uint8_t>> DecodeGray(std::span<const std::uint8_t> code, int width,
                                             int height);

struct PackedDataset {
  int width = 0;
  int height = 0;
  std::vector<std::string> class_names;  // index = label
  std::vector<std::uint8_t> labels;      // one per image
  std::vector<std::uint8_t> pixels;      // count * height * width, row-major
  std::size_t size() const { return labels.size(); }
};

// Serialises `data` to `path` (written to path + ".part" then renamed, so a crash never
// leaves a half file). Fails with InvalidArgument on inconsistent sizes.
Status WritePack(const PackedDataset& data, const std::string& path);
// Reads a file written by WritePack. NotFound / InvalidArgument on missing or corrupt files.
Result<PackedDataset> ReadPack(const std::string& path);

}  // namespace moodtune
