// Host-side post-training quantisation of the shipped emotion net (models/emotion/
// emotion.onnx, read with OpenCV DNN) into the firmware core's int8 format (int8_net.h):
// int8 weights per output channel (symmetric, max-abs), uint8 activations with one scale per
// layer output, calibrated on real crops (the largest ReLU output seen, or a percentile).
// Test and tool code only (OpenCV, std::vector); the firmware gets the arrays, not this.
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

// Quantises `f` using the ReLU outputs on `calibration` crops (48x48 CV_8UC1).
QuantizedNet Quantize(FloatNet& f, const std::vector<cv::Mat>& calibration,
                      const QuantizeOptions& o = {});

// Float probabilities [N x 7] of the ONNX model.
cv::Mat FloatProbs(FloatNet& f, const std::vector<cv::Mat>& gray48);

}  // namespace moodtune::device::testing
