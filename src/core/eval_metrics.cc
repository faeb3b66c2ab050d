#include "moodtune/eval_metrics.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

namespace moodtune {

std::int64_t ConfusionMatrix::RowTotal(int truth) const {
  std::int64_t n = abstained[static_cast<std::size_t>(truth)];
  for (int p = 0; p < num_classes; ++p) n += at(truth, p);
  return n;
}

std::int64_t ConfusionMatrix::Total() const {
  return std::accumulate(counts.begin(), counts.end(), std::int64_t{0}) +
         std::accumulate(abstained.begin(), abstained.end(), std::int64_t{0});
}

Result<ConfusionMatrix> MakeConfusionMatrix(std::span<const int> truth,
                                            std::span<const int> prediction, int num_classes) {
  if (num_classes < 1) return Status::InvalidArgument("num_classes must be at least 1");
  if (truth.size() != prediction.size()) {
    return Status::InvalidArgument("truth has " + std::to_string(truth.size()) +
                                   " labels, prediction " + std::to_string(prediction.size()));
  }
  ConfusionMatrix m;
  m.num_classes = num_classes;
  m.counts.assign(static_cast<std::size_t>(num_classes) * num_classes, 0);
  m.abstained.assign(static_cast<std::size_t>(num_classes), 0);
  for (std::size_t i = 0; i < truth.size(); ++i) {
    const int t = truth[i], p = prediction[i];
    if (t < 0 || t >= num_classes || p < kNoPrediction || p >= num_classes) {
      return Status::InvalidArgument("label out of range at sample " + std::to_string(i));
    }
    if (p == kNoPrediction) {
      ++m.abstained[static_cast<std::size_t>(t)];
    } else {
      ++m.counts[static_cast<std::size_t>(t * num_classes + p)];
    }
  }
  return m;
}

double Accuracy(const ConfusionMatrix& m) {
  const std::int64_t total = m.Total();
  if (total == 0) return 0;
  std::int64_t correct = 0;
  for (int c = 0; c < m.num_classes; ++c) correct += m.at(c, c);
  return static_cast<double>(correct) / static_cast<double>(total);
}

std::vector<ClassScores> PerClassScores(const ConfusionMatrix& m) {
  std::vector<ClassScores> out(static_cast<std::size_t>(m.num_classes));
  for (int c = 0; c < m.num_classes; ++c) {
    std::int64_t predicted = 0;
    for (int t = 0; t < m.num_classes; ++t) predicted += m.at(t, c);
    const std::int64_t tp = m.at(c, c);
    ClassScores& s = out[static_cast<std::size_t>(c)];
    s.support = m.RowTotal(c);
    s.defined = s.support > 0 || predicted > 0;
    if (predicted > 0) s.precision = static_cast<double>(tp) / static_cast<double>(predicted);
    if (s.support > 0) s.recall = static_cast<double>(tp) / static_cast<double>(s.support);
    if (s.precision + s.recall > 0) {
      s.f1 = 2 * s.precision * s.recall / (s.precision + s.recall);
    }
  }
  return out;
}

double MacroF1(const ConfusionMatrix& m) {
  double sum = 0;
  int n = 0;
  for (const ClassScores& s : PerClassScores(m)) {
    if (!s.defined) continue;
    sum += s.f1;
    ++n;
  }
  return n == 0 ? 0 : sum / n;
}

Result<double> AveragePrecision(std::span<const float> scores,
                                std::span<const std::uint8_t> positive) {
  if (scores.size() != positive.size()) {
    return Status::InvalidArgument("scores and labels differ in length");
  }
  const auto num_pos =
      std::count_if(positive.begin(), positive.end(), [](std::uint8_t v) { return v != 0; });
  if (num_pos == 0) return Status::InvalidArgument("no positive sample: AP is undefined");

  std::vector<std::size_t> order(scores.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return scores[a] > scores[b]; });

  // One (recall, precision) point per distinct score: a threshold cannot split a tie.
  std::vector<double> recall, precision;
  std::int64_t tp = 0, seen = 0;
  for (std::size_t i = 0; i < order.size(); ++i) {
    tp += positive[order[i]] != 0;
    ++seen;
    const bool group_ends = i + 1 == order.size() || scores[order[i + 1]] != scores[order[i]];
    if (!group_ends) continue;
    recall.push_back(static_cast<double>(tp) / static_cast<double>(num_pos));
    precision.push_back(static_cast<double>(tp) / static_cast<double>(seen));
  }
  // Interpolate: precision at recall r is the best precision at any recall >= r.
  for (std::size_t i = precision.size(); i-- > 1;) {
    precision[i - 1] = std::max(precision[i - 1], precision[i]);
  }
  double ap = 0, prev_recall = 0;
  for (std::size_t i = 0; i < recall.size(); ++i) {
    ap += (recall[i] - prev_recall) * precision[i];
    prev_recall = recall[i];
  }
  return ap;
}

Result<double> ExpectedCalibrationError(std::span<const float> confidence,
                                        std::span<const std::uint8_t> correct, int bins) {
  if (confidence.size() != correct.size())
    return Status::InvalidArgument("confidences and outcomes differ in length");
  if (confidence.empty()) return Status::InvalidArgument("no samples");
  if (bins < 1) return Status::InvalidArgument("bins must be >= 1");
  std::vector<double> conf_sum(bins, 0), hits(bins, 0), count(bins, 0);
  for (std::size_t i = 0; i < confidence.size(); ++i) {
    const double c = std::clamp(static_cast<double>(confidence[i]), 0.0, 1.0);
    // Bin b holds (b/bins, (b+1)/bins]; a confidence of exactly 0 goes to the first bin.
    const int b = std::clamp(static_cast<int>(std::ceil(c * bins)) - 1, 0, bins - 1);
    conf_sum[b] += c;
    hits[b] += correct[i] ? 1 : 0;
    count[b] += 1;
  }
  double ece = 0;
  for (int b = 0; b < bins; ++b) {
    if (count[b] == 0) continue;
    ece += count[b] / static_cast<double>(confidence.size()) *
           std::abs(hits[b] / count[b] - conf_sum[b] / count[b]);
  }
  return ece;
}

}  // namespace moodtune
