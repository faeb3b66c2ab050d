#include "eval_report.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <opencv2/imgproc.hpp>

#include "moodtune/media.h"

namespace moodtune::cli {
namespace {

constexpr int kCell = 84, kLeft = 110, kTop = 90, kMargin = 20;
const cv::Scalar kInk(40, 40, 40);

void Text(cv::Mat& img, const std::string& s, cv::Point at, double scale, const cv::Scalar& colour,
          int thickness = 1) {
  cv::putText(img, s, at, cv::FONT_HERSHEY_SIMPLEX, scale, colour, thickness, cv::LINE_AA);
}

// Centred horizontally on x.
void TextCentred(cv::Mat& img, const std::string& s, int x, int y, double scale,
                 const cv::Scalar& colour, int thickness = 1) {
  int base = 0;
  const cv::Size size = cv::getTextSize(s, cv::FONT_HERSHEY_SIMPLEX, scale, thickness, &base);
  Text(img, s, {x - size.width / 2, y}, scale, colour, thickness);
}

std::string Fixed(double v, int digits) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.*f", digits, v);
  return buf;
}

}  // namespace

cv::Mat RenderConfusion(const ConfusionMatrix& m, std::span<const std::string> labels,
                        const std::string& title) {
  const int n = m.num_classes;
  bool any_abstained = false;
  for (auto a : m.abstained) any_abstained = any_abstained || a > 0;
  const int cols = n + (any_abstained ? 1 : 0);
  cv::Mat img(kTop + n * kCell + kMargin + 30, kLeft + cols * kCell + kMargin, CV_8UC3,
              cv::Scalar(255, 255, 255));
  // The title shrinks to fit the width (dataset paths can be long).
  double title_scale = 0.6;
  int base = 0;
  while (title_scale > 0.3 &&
         cv::getTextSize(title, cv::FONT_HERSHEY_SIMPLEX, title_scale, 1, &base).width >
             img.cols - 2 * kMargin)
    title_scale -= 0.05;
  Text(img, title, {kMargin, 30}, title_scale, kInk, 1);
  Text(img, "rows: truth, columns: prediction, shade: share of the row", {kMargin, 55}, 0.45,
       cv::Scalar(110, 110, 110));
  auto label = [&](int i) {
    if (i == n) return std::string("no face");
    return i < static_cast<int>(labels.size()) ? labels[static_cast<std::size_t>(i)]
                                               : std::to_string(i);
  };
  for (int c = 0; c < cols; ++c)
    TextCentred(img, label(c), kLeft + c * kCell + kCell / 2, kTop - 8, 0.45, kInk);
  for (int t = 0; t < n; ++t) {
    Text(img, label(t), {8, kTop + t * kCell + kCell / 2 + 5}, 0.45, kInk);
    const double row = static_cast<double>(m.RowTotal(t));
    for (int c = 0; c < cols; ++c) {
      const std::int64_t count = c == n ? m.abstained[static_cast<std::size_t>(t)] : m.at(t, c);
      const double share = row > 0 ? count / row : 0.0;
      // White -> dark blue (BGR), by share.
      const cv::Scalar fill(255 - share * 100, 255 - share * 200, 255 - share * 225);
      const cv::Rect cell(kLeft + c * kCell, kTop + t * kCell, kCell, kCell);
      cv::rectangle(img, cell, fill, cv::FILLED);
      cv::rectangle(img, cell, cv::Scalar(200, 200, 200), 1);
      const cv::Scalar ink = share > 0.5 ? cv::Scalar(255, 255, 255) : kInk;
      TextCentred(img, std::to_string(count), cell.x + kCell / 2, cell.y + kCell / 2, 0.55, ink,
                  c == t ? 2 : 1);
      TextCentred(img, Fixed(100 * share, 0) + "%", cell.x + kCell / 2, cell.y + kCell / 2 + 22,
                  0.4, ink);
    }
  }
  Text(img, "n = " + std::to_string(m.Total()), {kMargin, img.rows - 12}, 0.45, kInk);
  return img;
}

std::string PerClassTable(std::span<const ClassScores> scores, std::span<const std::string> labels,
                          std::span<const std::optional<double>> ap) {
  std::string out =
      "| class | support | precision | recall | F1 | AP |\n|---|---|---|---|---|---|\n";
  for (std::size_t i = 0; i < scores.size(); ++i) {
    const ClassScores& s = scores[i];
    const std::string name = i < labels.size() ? labels[i] : std::to_string(i);
    const std::string a = i < ap.size() && ap[i] ? Fixed(*ap[i], 3) : "-";
    out += "| " + name + " | " + std::to_string(s.support) + " | " + Fixed(s.precision, 3) + " | " +
           Fixed(s.recall, 3) + " | " + (s.defined ? Fixed(s.f1, 3) : "-") + " | " + a + " |\n";
  }
  return out;
}

Status WriteEvalReport(const std::string& dir, const ConfusionMatrix& m,
                       std::span<const ClassScores> scores, std::span<const std::string> labels,
                       std::span<const std::optional<double>> ap, const std::string& title) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::Unavailable("cannot create " + dir + ": " + ec.message());
  const std::string png = dir + "/confusion.png", md = dir + "/per_class.md";
  try {
    // PNG through the media library (moodtune/media.h), loaded here on first need.
    const Status written = WriteImageFile(png, RenderConfusion(m, labels, title));
    if (!written.ok()) return Status::Unavailable("cannot write " + written.message());
  } catch (const cv::Exception& e) {  // drawing (RenderConfusion)
    return Status::Unavailable("cannot write " + png + ": " + e.what());
  }
  std::ofstream out(md);
  out << "# " << title << "\n\n" << PerClassTable(scores, labels, ap);
  if (!out) return Status::Unavailable("cannot write " + md);
  return Status::Ok();
}

}  // namespace moodtune::cli
