// `moodtune analyze`: faces and their emotions in photos, as text or one JSON line per image.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "commands.h"
#include "moodtune/emotion.h"
#include "moodtune/vision.h"
#include "vision_flags.h"

namespace moodtune::cli {
namespace {
namespace fs = std::filesystem;
// ordered_json: keys in the documented order, not sorted.
using json = nlohmann::ordered_json;

struct AnalyzeOptions {
  std::vector<std::string> paths;  // files and folders (searched recursively)
  bool json = false;               // one JSON object per image per line
  std::string annotate_dir;        // empty: no annotated images
  bool assume_face = false;        // whole image is one face (pre-cropped data)
  AnalyzerOptions analyzer;        // models and thresholds; defaults live in vision.h
  DecodeOptions decode;            // pixel limit; default lives in vision.h
};

// Expands folders into their image files (recursive, sorted); other paths are kept as given
// so a missing or unreadable file still gets its own error line.
std::vector<std::string> ExpandPaths(const std::vector<std::string>& paths, bool* any_folder) {
  std::vector<std::string> out;
  for (const std::string& p : paths) {
    std::error_code ec;
    if (!fs::is_directory(p, ec)) {
      out.push_back(p);
      continue;
    }
    *any_folder = true;
    std::vector<std::string> found;
    for (auto it =
             fs::recursive_directory_iterator(p, fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (it->is_regular_file(ec) && HasImageExtension(it->path())) {
        found.push_back(it->path().string());
      }
    }
    std::sort(found.begin(), found.end());
    out.insert(out.end(), found.begin(), found.end());
  }
  return out;
}

// Short, stable decimals in the JSON (floats would print as 0.91234567761421204).
double Round(double v, double scale) { return std::round(v * scale) / scale; }

json FaceJson(const Face& f) {
  const Box& b = f.detection.box;
  json probs = json::object();
  for (int i = 0; i < kNumEmotions; ++i) {
    probs[std::string(EmotionName(Emotion(i)))] = Round(f.probabilities[i], 1e6);
  }
  return {{"box", {Round(b.x, 10), Round(b.y, 10), Round(b.w, 10), Round(b.h, 10)}},
          {"score", Round(f.detection.score, 1e4)},
          {"emotion", std::string(EmotionName(f.emotion))},
          {"confidence", Round(f.confidence, 1e6)},
          {"probabilities", probs}};
}

// <stem>_annotated<ext> in dir, numbered -2, -3, ... when an earlier input took the name.
// The suffix keeps an annotated copy from overwriting its source when dir is an input folder.
fs::path AnnotatedName(const fs::path& dir, const fs::path& input, std::set<std::string>* used) {
  std::string ext = input.extension().string();
  if (!HasImageExtension(input)) ext = ".png";
  const std::string stem = input.stem().string() + "_annotated";
  std::string name = stem + ext;
  for (int n = 2; used->count(name); ++n) name = stem + "-" + std::to_string(n) + ext;
  used->insert(name);
  return dir / name;
}

// A one-line bar on stderr, redrawn in place; only used when stderr is a terminal.
void PrintText(const std::string& path, const cv::Mat& img, const std::vector<Face>& faces) {
  if (faces.empty()) {
    std::printf("%s (%dx%d): no face\n", path.c_str(), img.cols, img.rows);
    return;
  }
  for (std::size_t i = 0; i < faces.size(); ++i) {
    const Face& f = faces[i];
    const Box& b = f.detection.box;
    std::printf("%s (%dx%d): face %zu/%zu at [%.0f, %.0f, %.0f, %.0f] score %.2f: %s %.2f\n",
                path.c_str(), img.cols, img.rows, i + 1, faces.size(), b.x, b.y, b.w, b.h,
                f.detection.score, std::string(EmotionName(f.emotion)).c_str(), f.confidence);
  }
}

// Returns 0 when every image was analysed, 1 when any failed or the models cannot load.
int RunAnalyze(const AnalyzeOptions& o) {
  auto analyzer = Analyzer::Create(o.analyzer);
  if (!analyzer.ok()) {
    std::cerr << "analyze: " << analyzer.status().message() << "\n";
    return 1;
  }
  if (!o.annotate_dir.empty()) {
    std::error_code ec;
    fs::create_directories(o.annotate_dir, ec);
    if (ec) {
      std::cerr << "analyze: cannot create " << o.annotate_dir << ": " << ec.message() << "\n";
      return 1;
    }
  }
  bool any_folder = false;
  const std::vector<std::string> inputs = ExpandPaths(o.paths, &any_folder);
  ProgressBar bar(inputs.size(), any_folder && isatty(STDERR_FILENO));
  // Results on the same terminal as the bar: erase the bar before each result line.
  const bool stdout_shares_terminal = any_folder && isatty(STDOUT_FILENO);
  std::set<std::string> used_names;
  int failed = 0;
  auto fail = [&](const std::string& path, const std::string& message) {
    ++failed;
    if (o.json) {
      std::cout << json{{"image", path}, {"error", message}}.dump() << "\n";
    } else {
      bar.Clear();
      std::cerr << "analyze: " << path << ": " << message << "\n";
    }
  };
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    bar.Update(i);
    const std::string& path = inputs[i];
    if (stdout_shares_terminal) bar.Clear();
    Result<cv::Mat> img = ReadImageFile(path, o.decode);
    if (!img.ok()) {
      // ReadImageFile prefixes the path, which the report already names.
      std::string message = img.status().message();
      if (message.rfind(path + ": ", 0) == 0) message.erase(0, path.size() + 2);
      fail(path, message);
      continue;
    }
    Result<std::vector<Face>> faces = (*analyzer)->Analyze(*img, o.assume_face);
    if (!faces.ok()) {
      fail(path, faces.status().message());
      continue;
    }
    if (static_cast<int>(faces->size()) >= o.analyzer.detector.max_faces) {
      bar.Clear();
      std::cerr << "analyze: " << path << ": stopped at " << faces->size()
                << " faces (--max-faces); there may be more\n";
    }
    if (!o.annotate_dir.empty()) {
      const fs::path out = AnnotatedName(o.annotate_dir, path, &used_names);
      // JPEG in the process; PNG and the rest through the media library (moodtune/media.h).
      const Status written = WriteImageFile(out.string(), Annotate(*img, *faces), o.decode.media);
      if (!written.ok()) {
        fail(path, "cannot write annotated image " + written.message());
        continue;
      }
      if (!o.json) std::printf("%s: annotated -> %s\n", path.c_str(), out.string().c_str());
    }
    if (o.json) {
      json arr = json::array();
      for (const Face& f : *faces) arr.push_back(FaceJson(f));
      std::cout << json{{"image", path},
                        {"width", img->cols},
                        {"height", img->rows},
                        {"faces", arr}}
                       .dump()
                << "\n";
    } else {
      PrintText(path, *img, *faces);
    }
    std::cout.flush();
  }
  bar.Update(inputs.size());
  return failed > 0 ? 1 : 0;
}

}  // namespace

void AddAnalyzeCommand(CLI::App& app, int* exit_code) {
  auto opts = std::make_shared<AnalyzeOptions>();
  auto* sub = app.add_subcommand(
      "analyze",
      "Find faces and read their emotions. Exit code 1 when any image failed (each failure is "
      "reported, the batch goes on); an image with no face is not a failure.");
  sub->add_option("paths", opts->paths,
                  "Image files and folders (searched recursively for "
                  ".jpg/.jpeg/.png/.bmp/.webp, in sorted order)")
      ->required();
  sub->add_flag("--json", opts->json,
                "One JSON object per image per line: {image, width, height, faces: [{box, score, "
                "emotion, confidence, probabilities}]} or {image, error}");
  sub->add_option("--annotate", opts->annotate_dir,
                  "Write annotated copies (same size) into this folder as "
                  "<name>_annotated<ext>, numbered -2, -3... when names collide");
  sub->add_flag("--assume-face", opts->assume_face,
                "Skip detection: the whole image is one face (pre-cropped data such as FER2013)");
  AddVisionFlags(sub, &opts->analyzer, &opts->decode);
  sub->callback([opts, exit_code] { *exit_code = RunAnalyze(*opts); });
}

}  // namespace moodtune::cli
