#include <algorithm>
#include <cstdio>
#include <string>

#include <opencv2/imgproc.hpp>

#include "moodtune/vision.h"

namespace moodtune {
namespace {

// One colour per class (BGR), so faces with different emotions are told apart at a glance.
cv::Scalar EmotionColour(Emotion e) {
  static const cv::Scalar kColours[kNumEmotions] = {
      {40, 40, 220},  {40, 140, 60}, {160, 60, 160}, {40, 200, 240},
      {200, 120, 40}, {40, 160, 255}, {200, 200, 200}};
  return kColours[static_cast<int>(e)];
}

}  // namespace

cv::Mat Annotate(const cv::Mat& bgr, const std::vector<Face>& faces) {
  cv::Mat out = bgr.clone();
  if (out.empty()) return out;
  if (out.channels() == 1) cv::cvtColor(out, out, cv::COLOR_GRAY2BGR);
  if (out.channels() == 4) cv::cvtColor(out, out, cv::COLOR_BGRA2BGR);
  // Line and text sizes follow the image so the labels stay readable on phone photos.
  const int thickness = std::max(1, std::min(out.cols, out.rows) / 300);
  const double font_scale = std::max(0.4, std::min(out.cols, out.rows) / 800.0);
  for (const Face& f : faces) {
    const Box& b = f.detection.box;
    const cv::Scalar colour = EmotionColour(f.emotion);
    const cv::Rect r(cvRound(b.x), cvRound(b.y), cvRound(b.w), cvRound(b.h));
    cv::rectangle(out, r, colour, thickness);
    char label[64];
    std::snprintf(label, sizeof(label), "%s %.2f", std::string(EmotionName(f.emotion)).c_str(),
                  f.confidence);
    int baseline = 0;
    const cv::Size ts =
        cv::getTextSize(label, cv::FONT_HERSHEY_SIMPLEX, font_scale, thickness, &baseline);
    // Label above the box, or inside its top when the box touches the image's top; moved left
    // when it would run past the right edge (issue 13: labels were cut there).
    const int top = r.y - ts.height - baseline - 2 >= 0 ? r.y - ts.height - baseline - 2 : r.y;
    const int left = std::max(0, std::min(r.x, out.cols - (ts.width + 4)));
    const cv::Rect bg(left, top, ts.width + 4, ts.height + baseline + 2);
    cv::rectangle(out, bg & cv::Rect(0, 0, out.cols, out.rows), colour, cv::FILLED);
    cv::putText(out, label, {left + 2, top + ts.height}, cv::FONT_HERSHEY_SIMPLEX, font_scale,
                cv::Scalar::all(0), thickness, cv::LINE_AA);
  }
  return out;
}

}  // namespace moodtune
