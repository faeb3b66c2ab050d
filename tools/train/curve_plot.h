// Draws the training curve (curve.h) as a picture: training loss on the left panel, training
// and validation accuracy on the right, epochs along both. OpenCV only (built into
// moodtune-train when OpenCV is found). Thread-safety: pure.
#pragma once

#include <opencv2/core.hpp>
#include <span>
#include <string>

#include "curve.h"

namespace moodtune::train {

// A 960x420 BGR image; an empty `points` gives the frame with a "no epochs yet" note.
cv::Mat RenderCurve(std::span<const CurvePoint> points, const std::string& title);

// Reads `csv_path` (ParseCurveCsv) and writes the picture as PNG to `png_path`.
// NotFound / InvalidArgument / Internal (encoder) on failure.
Status WriteCurvePng(const std::string& csv_path, const std::string& png_path,
                     const std::string& title);

}  // namespace moodtune::train
