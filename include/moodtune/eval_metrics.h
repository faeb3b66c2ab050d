// Classification metrics for `moodtune eval`: confusion matrix, accuracy, per-class and macro
// F1, and average precision (all-points interpolation, as PASCAL VOC 2010+).
// Thread-safety: pure functions on values.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "moodtune/status.h"

namespace moodtune {

// Counts of (true class, predicted class) pairs over num_classes classes. A sample may have no
// prediction (e.g. no face was found): it is counted in `abstained` for its true class, is
// wrong for accuracy and a false negative for its class's recall, and a false positive for no
// class.
struct ConfusionMatrix {
  int num_classes = 0;
  std::vector<std::int64_t> counts;     // row-major [truth][prediction], num_classes^2
  std::vector<std::int64_t> abstained;  // [truth]: samples with no prediction

  std::int64_t at(int truth, int prediction) const {
    return counts[static_cast<std::size_t>(truth * num_classes + prediction)];
  }
  std::int64_t RowTotal(int truth) const;  // samples of this class, abstentions included
  std::int64_t Total() const;              // all samples, abstentions included
};

// Builds the matrix from parallel label vectors. Labels are class indices in [0, num_classes);
// a prediction of kNoPrediction (-1) is an abstention. InvalidArgument when the vectors differ
// in length, num_classes < 1, or a label is out of range.
inline constexpr int kNoPrediction = -1;
Result<ConfusionMatrix> MakeConfusionMatrix(std::span<const int> truth,
                                            std::span<const int> prediction, int num_classes);

// Correct predictions over all samples (abstentions count as wrong); 0 for an empty matrix.
double Accuracy(const ConfusionMatrix& m);

struct ClassScores {
  std::int64_t support = 0;  // samples whose true class is this one
  double precision = 0;      // tp / (tp + fp); 0 when the class was never predicted
  double recall = 0;         // tp / support; 0 when support is 0
  double f1 = 0;             // harmonic mean; 0 when precision + recall is 0
  // False when the class neither occurs nor is predicted: its F1 is undefined and it is left
  // out of MacroF1 (scikit-learn's convention of averaging over labels seen in either vector).
  bool defined = false;
};
std::vector<ClassScores> PerClassScores(const ConfusionMatrix& m);

// Unweighted mean of F1 over the classes whose score is defined; 0 when none is.
double MacroF1(const ConfusionMatrix& m);

// Average precision of a ranking: samples sorted by descending score, precision made
// monotone (each point takes the best precision at any higher recall) and summed over the
// recall steps -- the area under the interpolated precision-recall curve (VOC 2010+,
// "all points"). Tied scores form a single threshold, so the result does not depend on the
// input order. InvalidArgument when the spans differ in length or there is no positive
// sample (AP is undefined then). positive[i] != 0 marks sample i as a positive.
Result<double> AveragePrecision(std::span<const float> scores,
                                std::span<const std::uint8_t> positive);

// Expected calibration error: samples binned by confidence (the top class's probability) into
// `bins` equal-width bins over (0, 1]; the sum over bins of |accuracy - mean confidence|
// weighted by the bin's share of samples. 0 for a perfectly calibrated model. InvalidArgument
// when the spans differ in length, are empty, or bins < 1.
Result<double> ExpectedCalibrationError(std::span<const float> confidence,
                                        std::span<const std::uint8_t> correct, int bins = 15);

}  // namespace moodtune
