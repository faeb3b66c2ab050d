// The training curve (issue 13): one row per epoch, appended to <out_dir>/curve.csv by the
// trainer (a resumed run appends to the same file), and drawn as <out_dir>/curve.png by
// moodtune-train when it is built with OpenCV (curve_plot.h). Pure text functions here: no
// torch, no OpenCV. Thread-safety: pure.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "moodtune/status.h"

namespace moodtune::train {

struct CurvePoint {
  int epoch = 0;           // 1-based
  double loss = 0;         // mean training loss of the epoch
  double train_acc = 0;    // training accuracy of the epoch (augmented batches)
  double val_acc = 0;      // validation accuracy after the epoch (0 without a validation pack)
  double seconds = 0;      // wall time of the epoch
};

inline constexpr std::string_view kCurveHeader = "epoch,loss,train_acc,val_acc,seconds";

// One CSV line (no newline) for `p`, in kCurveHeader's column order.
std::string CurveCsvLine(const CurvePoint& p);

// Parses a curve.csv (header first). A resumed run may repeat epochs after an interruption:
// the last row for an epoch wins, and rows come back sorted by epoch. InvalidArgument naming
// the line for a malformed row or a missing header.
Result<std::vector<CurvePoint>> ParseCurveCsv(std::string_view text);

}  // namespace moodtune::train
