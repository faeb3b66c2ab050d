// Detector correctness on the real-photo dev set (issue 10): boxes must not depend on which
// way the photo faces, and faces must be found on >= 98% of dev photos.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <opencv2/core.hpp>

#include "common/data_dir.h"
#include "common/skip.h"
#include "moodtune/vision.h"

namespace moodtune {
namespace {

const std::string kModel = std::string(MOODTUNE_SOURCE_DIR) +
                           "/models/blazeface/face_detection_back_256x256_barracuda.onnx";

// Issue 10: on close-ups the box sat about 10 px right of the face (mean 21 px between a
// 350 px photo and its mirror). Mirror each dev photo, detect, mirror the box back: the
// centres must agree within 3% of the face width on average.
TEST(DetectorDevTest, Issue10MirroredBoxAgreesWithOriginal) {
  const auto dev = moodtune_test::DataDir() / "faces-in-the-wild-dev";
  const auto files = moodtune_test::ImagesUnder(dev);
  if (files.empty()) MOODTUNE_SKIP_OR_FAIL("no photos under " << dev);
  BlazeFaceOptions opts;
  opts.model_path = kModel;
  opts.net_copies = 1;
  auto det = CreateBlazeFaceDetector(opts);
  ASSERT_TRUE(det.ok()) << det.status().ToString();
  double sum_rel = 0, sum_signed_px = 0, sum_dy_rel = 0, sum_dw_rel = 0;
  int pairs = 0, found = 0;
  for (const auto& f : files) {
    auto img = ReadImageFile(f.string());
    ASSERT_TRUE(img.ok()) << f << ": " << img.status().ToString();
    cv::Mat mirror;
    cv::flip(*img, mirror, 1);
    auto a = (*det)->Detect(*img);
    auto b = (*det)->Detect(mirror);
    ASSERT_TRUE(a.ok() && b.ok());
    found += a->empty() ? 0 : 1;
    if (a->empty() || b->empty()) continue;
    const Box& ba = a->front().box;
    const Box& bb = b->front().box;
    const float cx_a = ba.x + ba.w / 2;
    const float cx_b = static_cast<float>(img->cols) - (bb.x + bb.w / 2);  // mirrored back
    const float cy_a = ba.y + ba.h / 2, cy_b = bb.y + bb.h / 2;
    sum_rel += std::abs(cx_a - cx_b) / ba.w;
    if (std::getenv("MOODTUNE_VERBOSE"))
      std::printf(
          "%s %dx%d a=(%.0f,%.0f %.0fx%.0f s%.2f n%zu) b'=(%.0f,%.0f %.0fx%.0f s%.2f n%zu) dx "
          "%.1f%%\n",
          f.filename().c_str(), img->cols, img->rows, ba.x, ba.y, ba.w, ba.h, a->front().score,
          a->size(), img->cols - bb.x - bb.w, bb.y, bb.w, bb.h, b->front().score, b->size(),
          100 * std::abs(cx_a - cx_b) / ba.w);
    sum_signed_px += (cx_a - cx_b) / 2;  // the box's own offset: half the disagreement
    sum_dy_rel += std::abs(cy_a - cy_b) / ba.w;
    sum_dw_rel += std::abs(ba.w - bb.w) / ba.w;
    ++pairs;
  }
  ASSERT_GT(pairs, 0);
  const double mean_rel = sum_rel / pairs;
  std::printf(
      "dev photos %zu, faces found %d (%.2f%%); mirror pairs %d: mean |dx| %.2f%% of "
      "face width, mean signed x offset %+.2f px, |dy| %.2f%%, |dw| %.2f%%\n",
      files.size(), found, 100.0 * found / files.size(), pairs, 100 * mean_rel,
      sum_signed_px / pairs, 100 * sum_dy_rel / pairs, 100 * sum_dw_rel / pairs);
  EXPECT_LE(mean_rel, 0.03);
  EXPECT_GE(double(found) / double(files.size()), 0.98);
}

}  // namespace
}  // namespace moodtune
