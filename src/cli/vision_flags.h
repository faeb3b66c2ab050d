// Pieces shared by the commands that run the vision pipeline (analyze, eval).
// Thread-safety: call from the main thread.
#pragma once

#include <cstddef>
#include <filesystem>

#include "moodtune/vision.h"

namespace CLI {
class App;
}

namespace moodtune::cli {

// .jpg .jpeg .png .bmp .webp, case-insensitive.
bool HasImageExtension(const std::filesystem::path& p);

// --model, --detector-model, --min-score, --align-margin, --max-pixels, bound to the option
// structs so their defaults (from vision.h) print in --help and are never restated.
void AddVisionFlags(CLI::App* sub, AnalyzerOptions* analyzer, DecodeOptions* decode);

// A one-line progress bar on stderr (only when enabled, i.e. stderr is a terminal).
class ProgressBar {
 public:
  ProgressBar(std::size_t total, bool enabled) : total_(total), enabled_(enabled && total > 0) {}
  ~ProgressBar() { Clear(); }
  // Erases the bar so another stderr message starts on a clean line; the next Update redraws.
  void Clear();
  void Update(std::size_t done);

 private:
  std::size_t total_;
  bool enabled_;
};

}  // namespace moodtune::cli
