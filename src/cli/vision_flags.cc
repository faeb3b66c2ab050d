#include "vision_flags.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <string>

namespace moodtune::cli {

bool HasImageExtension(const std::filesystem::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext == ".jpg" || ext == ".jpeg" || ext == ".png" || ext == ".bmp" || ext == ".webp";
}

void AddVisionFlags(CLI::App* sub, AnalyzerOptions* analyzer, DecodeOptions* decode) {
  sub->add_option("--model", analyzer->classifier.model_path, "Emotion model (ONNX)")
      ->capture_default_str();
  sub->add_option("--detector-model", analyzer->detector.model_path,
                  "BlazeFace face detector model (ONNX)")
      ->capture_default_str();
  sub->add_option("--min-score", analyzer->detector.min_score,
                  "Drop detected faces below this confidence (0..1)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  sub->add_option("--max-faces", analyzer->detector.max_faces,
                  "Keep at most this many faces per photo, best first (a warning says when hit)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  sub->add_option("--align-margin", analyzer->align.margin,
                  "Context around the detected face box, fraction of its size")
      ->capture_default_str();
  sub->add_option(
         "--contrast-std", analyzer->align.contrast_std,
         "Stretch each face crop to this pixel std (0 = off); must match the model's training")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 128.0));
  sub->add_option("--flip-average", analyzer->classifier.flip_average,
                  "Average each face's probabilities with its mirror's (true/false)")
      ->capture_default_str();
  sub->add_option("--emotion-backend", analyzer->classifier.backend,
                  "How the emotion net runs: auto (oneDNN when it can), opencv, onednn")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "opencv", "onednn"}));
  sub->add_option("--face-backend", analyzer->detector.backend,
                  "How the face detector runs: auto (oneDNN when it can), opencv, onednn")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "opencv", "onednn"}));
  sub->add_option("--max-pixels", decode->max_pixels,
                  "Refuse images with more pixels than this (decompression bombs)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
}

void ProgressBar::Clear() {
  if (enabled_) std::fprintf(stderr, "\r\033[K");
}

void ProgressBar::Update(std::size_t done) {
  if (!enabled_ || (done != total_ && done % 16 != 0)) return;
  constexpr int kWidth = 30;
  const int filled = static_cast<int>(kWidth * done / total_);
  std::fprintf(stderr, "\r[%s%s] %zu/%zu", std::string(filled, '=').c_str(),
               std::string(kWidth - filled, ' ').c_str(), done, total_);
  std::fflush(stderr);
}

}  // namespace moodtune::cli
