// device_int8_eval: the int8 emotion net (firmware core, int8_net.h) against the ONNX model
// on FER2013: top-1 agreement, accuracy of both, flash/RAM/MACs, host time per crop.
// Usage: device_int8_eval [stride=1] [calibration_per_class=64] [percentile=100]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "int8_data.h"
#include "int8_quantizer.h"

using namespace moodtune::device;
using namespace moodtune::device::testing;

int main(int argc, char** argv) {
  const int stride = argc > 1 ? std::atoi(argv[1]) : 1;
  const int calib_per_class = argc > 2 ? std::atoi(argv[2]) : 64;
  QuantizeOptions qo;
  if (argc > 3) qo.percentile = std::atof(argv[3]);
  FloatNet f;
  std::string error;
  if (!LoadFloatNet(EmotionOnnxPath(), &f, &error)) {
    std::fprintf(stderr, "model: %s\n", error.c_str());
    return 1;
  }
  const Crops calib = LoadFer("train", 1, calib_per_class);
  const Crops val = LoadFer("validation", stride, 0);
  if (calib.gray.empty() || val.gray.empty()) {
    std::fprintf(stderr, "no FER2013 data under %s\n", moodtune_test::DataDir().c_str());
    return 1;
  }
  const QuantizedNet q = Quantize(f, calib.gray, qo);
  const cv::Mat probs = FloatProbs(f, val.gray);
  std::vector<std::uint8_t> arena(Int8ArenaBytes(q.net));
  int agree = 0, right_int8 = 0, right_float = 0;
  double ms = 0;
  for (std::size_t i = 0; i < val.gray.size(); ++i) {
    int32_t logits[kNumWireEmotions];
    const auto t0 = std::chrono::steady_clock::now();
    const int top = RunInt8Net(q.net, val.gray[i].ptr<std::uint8_t>(), arena.data(), arena.size(), logits);
    ms += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    cv::Point maxloc;
    cv::minMaxLoc(probs.row(static_cast<int>(i)), nullptr, nullptr, nullptr, &maxloc);
    agree += top == maxloc.x;
    right_int8 += top == val.label[i];
    right_float += maxloc.x == val.label[i];
  }
  const double n = static_cast<double>(val.gray.size());
  std::printf("crops %zu (fer2013/validation, stride %d), calibration %zu fer2013/train crops, percentile %.3f\n",
              val.gray.size(), stride, calib.gray.size(), qo.percentile);
  std::printf("top1_agreement %.4f\naccuracy_int8 %.4f\naccuracy_float %.4f\n", agree / n,
              right_int8 / n, right_float / n);
  std::printf("flash_bytes %zu\narena_bytes %zu\nmacs_per_crop %llu\nhost_ms_per_crop %.2f\n",
              q.FlashBytes(), arena.size(), static_cast<unsigned long long>(Int8NetMacs(q.net)),
              ms / n);
  return 0;
}
