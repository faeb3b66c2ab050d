#include "curve.h"

#include <cstdio>
#include <cstdlib>
#include <map>

namespace moodtune::train {

std::string CurveCsvLine(const CurvePoint& p) {
  char buf[160];
  std::snprintf(buf, sizeof(buf), "%d,%.5f,%.5f,%.5f,%.2f", p.epoch, p.loss, p.train_acc,
                p.val_acc, p.seconds);
  return buf;
}

Result<std::vector<CurvePoint>> ParseCurveCsv(std::string_view text) {
  std::map<int, CurvePoint> by_epoch;
  std::size_t line_no = 0;
  bool header = false;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    std::string line(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    if (!header) {
      if (line != kCurveHeader)
        return Status::InvalidArgument("curve: line 1 is not the header '" +
                                       std::string(kCurveHeader) + "'");
      header = true;
      continue;
    }
    CurvePoint p;
    char tail = 0;
    if (std::sscanf(line.c_str(), "%d,%lf,%lf,%lf,%lf%c", &p.epoch, &p.loss, &p.train_acc,
                    &p.val_acc, &p.seconds, &tail) != 5 ||
        p.epoch < 1)
      return Status::InvalidArgument("curve: malformed line " + std::to_string(line_no) + ": " +
                                     line);
    by_epoch[p.epoch] = p;
  }
  if (!header) return Status::InvalidArgument("curve: empty (no header)");
  std::vector<CurvePoint> out;
  out.reserve(by_epoch.size());
  for (const auto& [epoch, p] : by_epoch) out.push_back(p);
  return out;
}

}  // namespace moodtune::train
