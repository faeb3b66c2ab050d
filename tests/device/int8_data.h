// FER2013 crops and the shipped model for the int8 tests and the int8 eval tool.
// Thread-safety: pure loaders.
#pragma once

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "common/data_dir.h"
#include "moodtune/device_protocol.h"

namespace moodtune::device::testing {

struct Crops {
  std::vector<cv::Mat> gray;  // 48x48 CV_8UC1
  std::vector<int> label;     // WireEmotion order
};

inline std::string EmotionOnnxPath() {
  return std::string(MOODTUNE_SOURCE_DIR) + "/models/emotion/emotion.onnx";
}

// Every `stride`-th image (sorted per class folder) of fer2013/<split>, at most `per_class`
// per class (0 = all). Empty when the folder is missing.
inline Crops LoadFer(const std::string& split, int stride, int per_class) {
  Crops c;
  const auto root = moodtune_test::DataDir() / "fer2013" / split;
  for (int e = 0; e < kNumWireEmotions; ++e) {
    const auto files = moodtune_test::ImagesUnder(root / WireEmotionName(static_cast<WireEmotion>(e)));
    int taken = 0;
    for (std::size_t i = 0; i < files.size(); i += static_cast<std::size_t>(stride)) {
      if (per_class > 0 && taken == per_class) break;
      cv::Mat g = cv::imread(files[i].string(), cv::IMREAD_GRAYSCALE);
      if (g.empty()) continue;
      if (g.rows != 48 || g.cols != 48) cv::resize(g, g, cv::Size(48, 48), 0, 0, cv::INTER_AREA);
      c.gray.push_back(g);
      c.label.push_back(e);
      ++taken;
    }
  }
  return c;
}

}  // namespace moodtune::device::testing
