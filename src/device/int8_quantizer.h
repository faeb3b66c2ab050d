// Host-side post-training quantisation of the shipped emotion net (models/emotion/
// emotion.onnx, read with OpenCV DNN) into the firmware core's int8 format (int8_net.h):
// int8 weights per output channel (symmetric, max-abs), uint8 activations with one scale per
// layer output, calibrated on real crops (the largest ReLU output seen, or a percentile).
// Host code only (OpenCV, std::vector): used by the generator (int8_gen.cc, which writes the
// arrays the firmware and the simulator compile in) and by the tests; the firmware gets the
// arrays, not this. The calibration (one activation range per layer) is kept apart from the
// weights, so the build can regenerate the arrays from the ONNX model and the checked-in
// ranges (models/emotion/emotion_int8_ranges.txt) without the calibration images.
// Thread-safety: a QuantizedNet is immutable after Quantize; Float runs use their own Net.
#pragma once

#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "moodtune_core/int8_net.h"

namespace moodtune::device::testing {

struct QuantizeOptions {
  double percentile = 100.0;  // activation range: this percentile of calibration outputs
};

// Owns the arrays an Int8Net points into.
struct QuantizedNet {
  std::vector<std::vector<std::int8_t>> weights;
  std::vector<std::vector<std::int32_t>> bias, mult;
  std::vector<std::vector<std::uint8_t>> shift;
  std::vector<Int8Conv> convs;
  std::vector<std::int8_t> dense_weights;
  std::vector<std::int32_t> dense_bias;
  std::vector<float> act_scale;  // per conv output
  float logit_scale = 0;         // real logit = int logit x logit_scale (before softmax)
  Int8Net net;
  std::size_t FlashBytes() const;  // weights + bias + mult + shift arrays
};

// The float net and the names of its ReLU outputs and dense layer.
struct FloatNet {
  cv::dnn::Net net;
  std::vector<std::string> conv_names, relu_names;
  std::vector<bool> pool_after;
  std::string dense_name;
};

// Loads `onnx`; false (with *error) when it is not the expected conv/pool/gap/dense chain.
bool LoadFloatNet(const std::string& onnx, FloatNet* out, std::string* error);

// The model's input blob for 48x48 grayscale crops (x / 127.5 - 1, NCHW).
cv::Mat InputBlob(const std::vector<cv::Mat>& gray48);

// The activation range (largest ReLU output, or the percentile) of each conv layer of `f` on
// `calibration` crops (48x48 CV_8UC1).
std::vector<float> CalibrateRanges(FloatNet& f, const std::vector<cv::Mat>& calibration,
                                   const QuantizeOptions& o = {});

// Quantises `f` with the given per-layer activation ranges (one per conv, > 0).
QuantizedNet QuantizeWithRanges(FloatNet& f, const std::vector<float>& ranges);

// Quantises `f` using the ReLU outputs on `calibration` crops (48x48 CV_8UC1):
// QuantizeWithRanges(f, CalibrateRanges(f, calibration, o)).
QuantizedNet Quantize(FloatNet& f, const std::vector<cv::Mat>& calibration,
                      const QuantizeOptions& o = {});

// Ranges as text, one per line ("# " comment lines allowed), printed with 9 significant digits
// so they read back bit for bit. Write: false when the file cannot be written. Read: false
// (with *error) when it cannot be read, a line is not a positive number, or it holds none.
bool WriteRanges(const std::string& path, const std::vector<float>& ranges);
bool ReadRanges(const std::string& path, std::vector<float>* ranges, std::string* error);

// Writes `q` as C++ const arrays (flash on the device) defining
// `moodtune::device::kEmotionInt8Net` (declared in moodtune_core/on_device.h). False when the
// file cannot be written.
bool WriteModelSource(const QuantizedNet& q, const std::string& path);

// Float probabilities [N x 7] of the ONNX model.
cv::Mat FloatProbs(FloatNet& f, const std::vector<cv::Mat>& gray48);

}  // namespace moodtune::device::testing
