// moodtune_int8_gen: writes the int8 emotion net as C++ const arrays (the firmware's flash
// image of it, also compiled into the simulator) from the ONNX model and the checked-in
// activation ranges. Run by the build (src/device/CMakeLists.txt) and by
// firmware/esp32-cam/scripts/gen_model.sh for PlatformIO.
// Usage: moodtune_int8_gen MODEL.onnx RANGES.txt OUT.cpp
#include <cstdio>
#include <string>
#include <vector>

#include "int8_quantizer.h"

int main(int argc, char** argv) {
  using namespace moodtune::device::testing;
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s MODEL.onnx RANGES.txt OUT.cpp\n", argv[0]);
    return 2;
  }
  FloatNet f;
  std::string error;
  if (!LoadFloatNet(argv[1], &f, &error)) {
    std::fprintf(stderr, "moodtune_int8_gen: %s: %s\n", argv[1], error.c_str());
    return 1;
  }
  std::vector<float> ranges;
  if (!ReadRanges(argv[2], &ranges, &error)) {
    std::fprintf(stderr, "moodtune_int8_gen: %s\n", error.c_str());
    return 1;
  }
  if (ranges.size() != f.conv_names.size()) {
    std::fprintf(stderr, "moodtune_int8_gen: %s has %zu ranges, the model %zu conv layers\n",
                 argv[2], ranges.size(), f.conv_names.size());
    return 1;
  }
  const QuantizedNet q = QuantizeWithRanges(f, ranges);
  if (!WriteModelSource(q, argv[3])) {
    std::fprintf(stderr, "moodtune_int8_gen: cannot write %s\n", argv[3]);
    return 1;
  }
  std::printf("moodtune_int8_gen: %s (%zu bytes of weights)\n", argv[3], q.FlashBytes());
  return 0;
}
