#include "curve_plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <sstream>

namespace moodtune::train {
namespace {

const cv::Scalar kInk(40, 40, 40), kGrid(225, 225, 225), kLoss(40, 90, 200),
    kTrainAcc(200, 130, 40), kValAcc(60, 160, 60);
constexpr int kWidth = 960, kHeight = 420, kPanelTop = 70, kPanelBottom = 360;

void Text(cv::Mat& img, const std::string& s, cv::Point at, double scale, const cv::Scalar& c) {
  cv::putText(img, s, at, cv::FONT_HERSHEY_SIMPLEX, scale, c, 1, cv::LINE_AA);
}

std::string Num(double v, int digits) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.*f", digits, v);
  return buf;
}

// One panel: axes from (x0, kPanelBottom) to (x1, kPanelTop), y range [lo, hi], epochs along x;
// each series is drawn as a polyline with dots.
struct Series {
  std::vector<double> values;
  cv::Scalar colour;
  std::string name;
};

void Panel(cv::Mat& img, int x0, int x1, double lo, double hi, int digits,
           const std::vector<int>& epochs, const std::vector<Series>& series,
           const std::string& title) {
  Text(img, title, {x0, kPanelTop - 12}, 0.5, kInk);
  for (int i = 0; i <= 4; ++i) {
    const int y = kPanelBottom - (kPanelBottom - kPanelTop) * i / 4;
    cv::line(img, {x0, y}, {x1, y}, kGrid, 1);
    Text(img, Num(lo + (hi - lo) * i / 4, digits), {x0 - 48, y + 5}, 0.4, kInk);
  }
  cv::rectangle(img, {x0, kPanelTop}, {x1, kPanelBottom}, kInk, 1);
  const int first = epochs.front(), last = epochs.back();
  auto px = [&](int epoch) {
    return last == first ? (x0 + x1) / 2 : x0 + (x1 - x0) * (epoch - first) / (last - first);
  };
  auto py = [&](double v) {
    const double t = hi > lo ? (std::clamp(v, lo, hi) - lo) / (hi - lo) : 0.5;
    return kPanelBottom - static_cast<int>(std::lround(t * (kPanelBottom - kPanelTop)));
  };
  const int ticks = std::min<int>(static_cast<int>(epochs.size()), 10);
  for (int i = 0; i < ticks; ++i) {
    const int e = epochs[epochs.size() * static_cast<std::size_t>(i) /
                         static_cast<std::size_t>(std::max(1, ticks))];
    Text(img, std::to_string(e), {px(e) - 6, kPanelBottom + 18}, 0.4, kInk);
  }
  Text(img, "epoch", {(x0 + x1) / 2 - 20, kPanelBottom + 38}, 0.45, kInk);
  int legend_y = kPanelTop + 18;
  for (const Series& s : series) {
    std::vector<cv::Point> pts;
    for (std::size_t i = 0; i < epochs.size(); ++i) pts.push_back({px(epochs[i]), py(s.values[i])});
    cv::polylines(img, pts, false, s.colour, 2, cv::LINE_AA);
    for (const cv::Point& p : pts) cv::circle(img, p, 3, s.colour, cv::FILLED, cv::LINE_AA);
    cv::line(img, {x1 - 150, legend_y - 4}, {x1 - 130, legend_y - 4}, s.colour, 2);
    Text(img, s.name, {x1 - 124, legend_y}, 0.42, kInk);
    legend_y += 18;
  }
}

}  // namespace

cv::Mat RenderCurve(std::span<const CurvePoint> points, const std::string& title) {
  cv::Mat img(kHeight, kWidth, CV_8UC3, cv::Scalar(255, 255, 255));
  Text(img, title, {20, 30}, 0.6, kInk);
  if (points.empty()) {
    Text(img, "no epochs yet", {20, kHeight / 2}, 0.6, kInk);
    return img;
  }
  std::vector<int> epochs;
  Series loss{{}, kLoss, "training loss"};
  Series train{{}, kTrainAcc, "training accuracy"};
  Series val{{}, kValAcc, "validation accuracy"};
  bool has_val = false;
  for (const CurvePoint& p : points) {
    epochs.push_back(p.epoch);
    loss.values.push_back(p.loss);
    train.values.push_back(p.train_acc);
    val.values.push_back(p.val_acc);
    has_val = has_val || p.val_acc > 0;
  }
  const auto [lmin, lmax] = std::minmax_element(loss.values.begin(), loss.values.end());
  const double pad = std::max(0.05, (*lmax - *lmin) * 0.1);
  Panel(img, 70, 450, std::max(0.0, *lmin - pad), *lmax + pad, 2, epochs, {loss}, "loss");
  std::vector<Series> acc{train};
  if (has_val) acc.push_back(val);
  Panel(img, 560, 940, 0.0, 1.0, 2, epochs, acc, "accuracy");
  const CurvePoint& best = *std::max_element(
      points.begin(), points.end(),
      [](const CurvePoint& a, const CurvePoint& b) { return a.val_acc < b.val_acc; });
  if (has_val)
    Text(img,
         "best validation accuracy " + Num(best.val_acc, 4) + " at epoch " +
             std::to_string(best.epoch),
         {560, 30}, 0.5, kInk);
  return img;
}

Status WriteCurvePng(const std::string& csv_path, const std::string& png_path,
                     const std::string& title) {
  std::ifstream in(csv_path, std::ios::binary);
  if (!in) return Status::NotFound("curve: cannot read " + csv_path);
  std::ostringstream text;
  text << in.rdbuf();
  auto points = ParseCurveCsv(text.str());
  if (!points.ok()) return points.status();
  const cv::Mat img = RenderCurve(*points, title);
  try {
    if (!cv::imwrite(png_path, img)) return Status::Internal("curve: cannot write " + png_path);
  } catch (const cv::Exception& e) {
    return Status::Internal(std::string("curve: ") + e.what());
  }
  return Status::Ok();
}

}  // namespace moodtune::train
