// `moodtune eval --report DIR`: the confusion matrix as a PNG and the per-class scores as a
// Markdown table, drawn with OpenCV (no Python). Pure rendering plus one writer.
// Thread-safety: pure functions.
#pragma once

#include <opencv2/core.hpp>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "moodtune/eval_metrics.h"
#include "moodtune/status.h"

namespace moodtune::cli {

// A square cell per (truth, prediction), shaded by the share of the truth row it holds
// (white 0% .. dark blue 100%), with the count and the percentage; an extra column for
// abstentions (no face) when any. Rows and columns are labelled with `labels`.
cv::Mat RenderConfusion(const ConfusionMatrix& m, std::span<const std::string> labels,
                        const std::string& title);

// | class | support | precision | recall | F1 | AP | as Markdown; AP "-" when not given.
std::string PerClassTable(std::span<const ClassScores> scores, std::span<const std::string> labels,
                          std::span<const std::optional<double>> ap);

// Writes DIR/confusion.png and DIR/per_class.md (DIR is created). Unavailable when a file
// cannot be written.
Status WriteEvalReport(const std::string& dir, const ConfusionMatrix& m,
                       std::span<const ClassScores> scores, std::span<const std::string> labels,
                       std::span<const std::optional<double>> ap, const std::string& title);

}  // namespace moodtune::cli
