// The documented defaults, asserted once (STYLE rule 4).
#include <gtest/gtest.h>

#include "moodtune/vision.h"

namespace moodtune {
namespace {

TEST(VisionOptionsTest, Defaults) {
  EXPECT_EQ(DecodeOptions{}.max_pixels, 40'000'000);
  EXPECT_EQ(DecodeOptions{}.media.library, "");  // search beside the executable, then install
  const BlazeFaceOptions d;
  EXPECT_EQ(d.model_path, "models/blazeface/face_detection_back_256x256_barracuda.onnx");
  EXPECT_FLOAT_EQ(d.min_score, 0.6f);
  EXPECT_FLOAT_EQ(d.nms_iou, 0.3f);
  EXPECT_EQ(d.max_faces, 64);
  EXPECT_FLOAT_EQ(d.retry_zoom_out, 2.5f);
  EXPECT_EQ(d.net_copies, 0);
  EXPECT_TRUE(d.use_front);
  EXPECT_EQ(d.front_model_path, "");
  EXPECT_EQ(FrontModelPath(d), "models/blazeface/face_detection_front_128x128_barracuda.onnx");
  EXPECT_FLOAT_EQ(d.front_min_score, 0.6f);
  EXPECT_FLOAT_EQ(d.front_confident_score, 0.75f);
  EXPECT_FLOAT_EQ(d.front_small_face, 0.2f);
  EXPECT_FLOAT_EQ(d.front_accept_face, 0.1f);
  EXPECT_FLOAT_EQ(d.closeup_min_score, 0.4f);
  EXPECT_FLOAT_EQ(d.closeup_fraction, 0.4f);
  EXPECT_EQ(d.backend, "auto");
  BlazeFaceOptions off;
  off.use_front = false;
  EXPECT_EQ(FrontModelPath(off), "");
  EXPECT_FLOAT_EQ(AlignOptions{}.contrast_std, 0.0f);
  EXPECT_FLOAT_EQ(AlignOptions{}.margin, 0.15f);
  EXPECT_EQ(AlignOptions{}.size, 48);
  EXPECT_EQ(ClassifierOptions{}.model_path, "models/emotion/emotion.onnx");
  EXPECT_EQ(ClassifierOptions{}.net_copies, 0);
  EXPECT_TRUE(ClassifierOptions{}.flip_average);
  EXPECT_EQ(ClassifierOptions{}.backend, "auto");  // issue 12: oneDNN when it can
}

}  // namespace
}  // namespace moodtune
