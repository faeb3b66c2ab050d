// `moodtune eval`: accuracy, macro-F1, confusion matrix, face-found rate, happy/sad/neutral
// accuracy and average precision of the vision pipeline on an image-folder dataset.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <optional>
#include <string>
#include <vector>

#include "commands.h"
#include "moodtune/emotion.h"
#include "moodtune/eval_metrics.h"
#include "moodtune/vision.h"
#include "eval_report.h"
#include "vision_flags.h"

namespace moodtune::cli {
namespace {
namespace fs = std::filesystem;
// ordered_json: keys in the documented order, not sorted.
using json = nlohmann::ordered_json;
using Clock = std::chrono::steady_clock;

struct EvalOptions {
  std::string data;          // <data>/<class>/<image>, class names as ParseEmotion accepts
  bool assume_face = false;  // whole image is one face (pre-cropped data)
  bool json = false;         // one JSON object instead of the readable report
  bool mirror = false;       // also analyse each photo mirrored: top-emotion agreement
  std::string report;        // "": none; else DIR for confusion.png and per_class.md
  AnalyzerOptions analyzer;  // models and thresholds; defaults live in vision.h
  DecodeOptions decode;      // pixel limit; default lives in vision.h
};

struct Sample {
  std::string path;
  Emotion label;
};

// One evaluated image: its label and the pipeline's view of its highest-scoring face.
struct Outcome {
  Emotion label;
  bool face_found = false;
  float face_score = 0;          // detector score of the best face; 0 with no face
  EmotionProbs probabilities{};  // of the best face
  int mirror_agrees = -1;        // --mirror: 1 when the mirrored photo's top emotion is the
                                 // same, 0 when not, -1 when not measured (or no face)
};

// The face with the highest detector score (the first of equals): it stands for its image.
// nullptr when there is none.
const Face* BestFace(const std::vector<Face>& faces) {
  const Face* best = nullptr;
  for (const Face& f : faces)
    if (!best || f.detection.score > best->detection.score) best = &f;
  return best;
}

// The three classes the music side uses, as 7-class emotions, in Mood3 order.
constexpr Emotion kMood3Emotions[3] = {Emotion::kHappy, Emotion::kSad, Emotion::kNeutral};

// Class folders directly under root; images found recursively within each, sorted.
// Folders that are not one of the seven classes are counted in *ignored.
std::vector<Sample> ListDataset(const fs::path& root, std::map<std::string, int>* ignored) {
  std::vector<fs::path> dirs;
  for (const auto& e : fs::directory_iterator(root))
    if (e.is_directory()) dirs.push_back(e.path());
  std::sort(dirs.begin(), dirs.end());
  std::vector<Sample> out;
  for (const fs::path& dir : dirs) {
    std::vector<std::string> files;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(
             dir, fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (it->is_regular_file(ec) && HasImageExtension(it->path())) {
        files.push_back(it->path().string());
      }
    }
    std::sort(files.begin(), files.end());
    const std::optional<Emotion> label = ParseEmotion(dir.filename().string());
    if (!label) {
      (*ignored)[dir.filename().string()] += static_cast<int>(files.size());
      continue;
    }
    for (std::string& f : files) out.push_back({std::move(f), *label});
  }
  return out;
}

struct Report {
  std::size_t images = 0, faces_found = 0, errors = 0;
  std::map<std::string, int> ignored;
  ConfusionMatrix confusion, mood3_confusion;
  double accuracy = 0, accuracy_on_faces = 0, macro_f1 = 0, mood3_accuracy = 0;
  // Happy/sad/neutral photos only, the top emotion of all seven (issue 10's figure).
  std::int64_t mood3_images = 0;
  double mood3_argmax7_accuracy = 0;
  std::optional<double> ece;  // over faces found, top class of seven
  std::int64_t mirror_pairs = 0;
  double mirror_agreement = 0;
  std::vector<ClassScores> per_class;
  std::optional<double> ap[3];
  std::optional<double> map;
  double load_seconds = 0, run_seconds = 0;
};

Report Summarise(const std::vector<Outcome>& outcomes) {
  Report r;
  r.images = outcomes.size();
  std::vector<int> truth, pred, truth3, pred3;
  std::size_t correct_on_faces = 0, mood3_correct7 = 0, mirror_same = 0;
  std::vector<float> confidence;
  std::vector<std::uint8_t> correct;
  for (const Outcome& o : outcomes) {
    if (o.mirror_agrees >= 0) {
      ++r.mirror_pairs;
      mirror_same += static_cast<std::size_t>(o.mirror_agrees);
    }
    if (o.face_found) {
      const Emotion top = TopEmotion(o.probabilities);
      confidence.push_back(o.probabilities[static_cast<int>(top)]);
      correct.push_back(top == o.label);
    }
    if (o.label == Emotion::kHappy || o.label == Emotion::kSad || o.label == Emotion::kNeutral) {
      ++r.mood3_images;
      mood3_correct7 += o.face_found && TopEmotion(o.probabilities) == o.label;
    }
    const int t = static_cast<int>(o.label);
    const int p = o.face_found ? static_cast<int>(TopEmotion(o.probabilities)) : kNoPrediction;
    truth.push_back(t);
    pred.push_back(p);
    r.faces_found += o.face_found;
    correct_on_faces += o.face_found && p == t;
    for (int m = 0; m < 3; ++m) {
      if (o.label != kMood3Emotions[m]) continue;
      truth3.push_back(m);
      pred3.push_back(o.face_found ? static_cast<int>(TopMood3(ToMood3Probs(o.probabilities)))
                                   : kNoPrediction);
    }
  }
  // Labels come from ParseEmotion/TopEmotion, so they are always in range.
  r.confusion = *MakeConfusionMatrix(truth, pred, kNumEmotions);
  r.mood3_confusion = *MakeConfusionMatrix(truth3, pred3, 3);
  r.accuracy = Accuracy(r.confusion);
  r.accuracy_on_faces = r.faces_found ? double(correct_on_faces) / double(r.faces_found) : 0;
  r.macro_f1 = MacroF1(r.confusion);
  r.per_class = PerClassScores(r.confusion);
  r.mood3_accuracy = Accuracy(r.mood3_confusion);
  r.mood3_argmax7_accuracy = r.mood3_images ? double(mood3_correct7) / double(r.mood3_images) : 0;
  if (auto e = ExpectedCalibrationError(confidence, correct); e.ok()) r.ece = *e;
  r.mirror_agreement = r.mirror_pairs ? double(mirror_same) / double(r.mirror_pairs) : 0;
  // Table 3 style: every image ranked by face score x p(class); no face scores 0.
  double ap_sum = 0;
  int ap_count = 0;
  for (int m = 0; m < 3; ++m) {
    const int e = static_cast<int>(kMood3Emotions[m]);
    std::vector<float> scores;
    std::vector<std::uint8_t> positive;
    for (const Outcome& o : outcomes) {
      scores.push_back(o.face_found ? o.face_score * o.probabilities[e] : 0.0f);
      positive.push_back(static_cast<int>(o.label) == e);
    }
    Result<double> ap = AveragePrecision(scores, positive);
    if (!ap.ok()) continue;  // no image of this class
    r.ap[m] = *ap;
    ap_sum += *ap;
    ++ap_count;
  }
  if (ap_count) r.map = ap_sum / ap_count;
  return r;
}

json OptionalJson(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }

json ReportJson(const EvalOptions& o, const Report& r) {
  json j;
  j["data"] = o.data;
  j["assume_face"] = o.assume_face;
  j["images"] = r.images;
  j["errors"] = r.errors;
  j["ignored"] = r.ignored;
  j["faces_found"] = r.faces_found;
  j["face_found_rate"] = r.images ? double(r.faces_found) / double(r.images) : 0.0;
  j["accuracy"] = r.accuracy;
  j["accuracy_on_faces"] = r.accuracy_on_faces;
  j["macro_f1"] = r.macro_f1;
  json labels = json::array(), rows = json::array(), per_class = json::object();
  for (int t = 0; t < kNumEmotions; ++t) {
    const std::string name(EmotionName(Emotion(t)));
    labels.push_back(name);
    json row = json::array();
    for (int p = 0; p < kNumEmotions; ++p) row.push_back(r.confusion.at(t, p));
    row.push_back(r.confusion.abstained[t]);
    rows.push_back(row);
    const ClassScores& s = r.per_class[t];
    per_class[name] = {{"support", s.support},
                       {"precision", s.precision},
                       {"recall", s.recall},
                       {"f1", s.defined ? json(s.f1) : json(nullptr)}};
  }
  j["per_class"] = per_class;
  json columns = labels;
  columns.push_back("no_face");
  j["confusion_matrix"] = {{"rows", labels}, {"columns", columns}, {"counts", rows}};
  j["mood3_images"] = r.mood3_images;
  j["mood3_accuracy_argmax7"] = r.mood3_argmax7_accuracy;
  j["mood3_accuracy_3class_view"] = r.mood3_accuracy;
  j["ece"] = OptionalJson(r.ece);
  if (o.mirror) {
    j["mirror_pairs"] = r.mirror_pairs;
    j["mirror_agreement"] = r.mirror_agreement;
  }
  json ap = json::object();
  for (int m = 0; m < 3; ++m)
    ap[std::string(EmotionName(kMood3Emotions[m]))] = OptionalJson(r.ap[m]);
  j["average_precision"] = ap;
  j["map"] = OptionalJson(r.map);
  j["load_seconds"] = r.load_seconds;
  j["seconds"] = r.run_seconds;
  j["images_per_second"] = r.run_seconds > 0 ? double(r.images + r.errors) / r.run_seconds : 0.0;
  return j;
}

void PrintReport(const EvalOptions& o, const Report& r) {
  std::printf("eval: %s%s\n", o.data.c_str(), o.assume_face ? " (--assume-face)" : "");
  std::printf("images: %zu evaluated, %zu unreadable", r.images, r.errors);
  for (const auto& [name, n] : r.ignored) std::printf(", %d ignored in %s/", n, name.c_str());
  std::printf("\nfaces found: %zu/%zu (%.2f%%)\n", r.faces_found, r.images,
              r.images ? 100.0 * double(r.faces_found) / double(r.images) : 0.0);
  std::printf("7-class accuracy: %.4f (no face counts as wrong; on images with a face: %.4f)\n",
              r.accuracy, r.accuracy_on_faces);
  std::printf("macro-F1: %.4f\n\n%-9s %7s %9s %7s %7s\n", r.macro_f1, "class", "support",
              "precision", "recall", "f1");
  for (int c = 0; c < kNumEmotions; ++c) {
    const ClassScores& s = r.per_class[c];
    std::printf("%-9s %7lld %9.4f %7.4f %7.4f\n", std::string(EmotionName(Emotion(c))).c_str(),
                static_cast<long long>(s.support), s.precision, s.recall, s.f1);
  }
  std::printf("\nconfusion matrix (rows: truth, columns: prediction)\n%-9s", "");
  for (int p = 0; p < kNumEmotions; ++p)
    std::printf(" %8s", std::string(EmotionName(Emotion(p))).c_str());
  std::printf(" %8s\n", "no face");
  for (int t = 0; t < kNumEmotions; ++t) {
    std::printf("%-9s", std::string(EmotionName(Emotion(t))).c_str());
    for (int p = 0; p < kNumEmotions; ++p)
      std::printf(" %8lld", static_cast<long long>(r.confusion.at(t, p)));
    std::printf(" %8lld\n", static_cast<long long>(r.confusion.abstained[t]));
  }
  std::printf(
      "\nhappy/sad/neutral accuracy: %.4f over %lld images (top emotion of all 7); "
      "%.4f as argmax of the 3-class view\n",
      r.mood3_argmax7_accuracy, static_cast<long long>(r.mood3_images), r.mood3_accuracy);
  if (r.ece) std::printf("expected calibration error (15 bins, top class of 7): %.4f\n", *r.ece);
  if (o.mirror)
    std::printf("mirror consistency: top emotion unchanged on %.4f of %lld photos with a face\n",
                r.mirror_agreement, static_cast<long long>(r.mirror_pairs));
  std::printf("average precision (ranked by face score x p(class)):");
  for (int m = 0; m < 3; ++m) {
    const std::string name(EmotionName(kMood3Emotions[m]));
    if (r.ap[m]) {
      std::printf(" %s %.4f", name.c_str(), *r.ap[m]);
    } else {
      std::printf(" %s n/a", name.c_str());
    }
  }
  if (r.map) {
    std::printf(", mAP %.4f\n", *r.map);
  } else {
    std::printf(", mAP n/a\n");
  }
  const double ips = r.run_seconds > 0 ? double(r.images + r.errors) / r.run_seconds : 0.0;
  std::printf("speed: %zu images in %.2f s, %.1f images/s (models loaded in %.2f s)\n",
              r.images + r.errors, r.run_seconds, ips, r.load_seconds);
}

int RunEval(const EvalOptions& o) {
  std::error_code ec;
  if (!fs::is_directory(o.data, ec)) {
    std::cerr << "eval: --data " << o.data << " is not a directory\n";
    return 1;
  }
  std::map<std::string, int> ignored;
  const std::vector<Sample> samples = ListDataset(o.data, &ignored);
  if (samples.empty()) {
    std::cerr << "eval: no labelled images under " << o.data
              << " (expected <data>/<class>/<image>, e.g. happy/001.jpg)\n";
    return 1;
  }
  const auto load_start = Clock::now();
  auto analyzer = Analyzer::Create(o.analyzer);
  if (!analyzer.ok()) {
    std::cerr << "eval: " << analyzer.status().message() << "\n";
    return 1;
  }
  const auto run_start = Clock::now();
  std::vector<Outcome> outcomes;
  outcomes.reserve(samples.size());
  std::size_t errors = 0;
  {
    ProgressBar bar(samples.size(), isatty(STDERR_FILENO));
    for (std::size_t i = 0; i < samples.size(); ++i) {
      bar.Update(i);
      Result<cv::Mat> img = ReadImageFile(samples[i].path, o.decode);
      Result<std::vector<Face>> faces =
          img.ok() ? (*analyzer)->Analyze(*img, o.assume_face) : img.status();
      if (!faces.ok()) {
        ++errors;
        bar.Clear();
        std::cerr << "eval: skipping " << samples[i].path << ": " << faces.status().message()
                  << "\n";
        continue;
      }
      Outcome out{samples[i].label};
      if (const Face* best = BestFace(*faces)) {
        out.face_found = true;
        out.face_score = best->detection.score;
        out.probabilities = best->probabilities;
      }
      if (o.mirror && out.face_found) {
        cv::Mat flipped;
        cv::flip(*img, flipped, 1);
        auto mirrored = (*analyzer)->Analyze(flipped, o.assume_face);
        if (mirrored.ok()) {
          // A mirrored photo that lost its face is not consistent.
          const Face* best = BestFace(*mirrored);
          out.mirror_agrees = best && best->emotion == TopEmotion(out.probabilities) ? 1 : 0;
        }
      }
      outcomes.push_back(out);
    }
    bar.Update(samples.size());
  }
  const auto run_end = Clock::now();
  if (outcomes.empty()) {
    std::cerr << "eval: none of the " << samples.size() << " images could be read\n";
    return 1;
  }
  Report r = Summarise(outcomes);
  r.errors = errors;
  r.ignored = std::move(ignored);
  r.load_seconds = std::chrono::duration<double>(run_start - load_start).count();
  r.run_seconds = std::chrono::duration<double>(run_end - run_start).count();
  if (o.json) {
    std::cout << ReportJson(o, r).dump() << "\n";
  } else {
    PrintReport(o, r);
  }
  if (!o.report.empty()) {
    // Issue 13: pictures people would rather look at than a text matrix.
    std::vector<std::string> labels;
    std::vector<std::optional<double>> ap(kNumEmotions);
    for (int e = 0; e < kNumEmotions; ++e) labels.emplace_back(EmotionName(static_cast<Emotion>(e)));
    for (int m = 0; m < 3; ++m) ap[static_cast<std::size_t>(kMood3Emotions[m])] = r.ap[m];
    char acc[16];
    std::snprintf(acc, sizeof(acc), "%.4f", r.accuracy);
    const std::string title = "moodtune eval " + o.data + " (" + std::to_string(r.images) +
                              " images, 7-class accuracy " + acc + ")";
    Status s = WriteEvalReport(o.report, r.confusion, r.per_class, labels, ap, title);
    if (!s.ok()) {
      std::cerr << "eval: " << s.message() << "\n";
      return 1;
    }
    std::cerr << "eval: wrote " << o.report << "/confusion.png and " << o.report
              << "/per_class.md\n";
  }
  return 0;
}

}  // namespace

void AddEvalCommand(CLI::App& app, int* exit_code) {
  auto opts = std::make_shared<EvalOptions>();
  auto* sub = app.add_subcommand(
      "eval",
      "Measure the pipeline on an image-folder dataset: 7-class accuracy, macro-F1, confusion "
      "matrix, face-found rate, happy/sad/neutral accuracy, AP per class and mAP (images "
      "ranked by face score x class probability; the best-scoring face stands for its image). "
      "Unreadable images are reported and skipped; exit code 1 when nothing could be measured.");
  sub->add_option("--data", opts->data,
                  "Dataset root: <data>/<class>/<image>; class folders as named by FER2013 or "
                  "the aliases happiness, sadness, anger, fearful, disgusted, surprised; other "
                  "folders (e.g. contempt) are ignored")
      ->required();
  sub->add_flag("--assume-face", opts->assume_face,
                "Skip detection: each whole image is one face (pre-cropped data such as FER2013)");
  sub->add_flag("--json", opts->json, "Print the report as one JSON object");
  sub->add_option("--report", opts->report,
                  "Also write DIR/confusion.png (the confusion matrix as a picture) and "
                  "DIR/per_class.md (precision, recall, F1, AP per class)");
  sub->add_flag("--mirror", opts->mirror,
                "Also analyse every photo mirrored and report how often the top emotion stays "
                "the same (twice the time)");
  AddVisionFlags(sub, &opts->analyzer, &opts->decode);
  sub->callback([opts, exit_code] { *exit_code = RunEval(*opts); });
}

}  // namespace moodtune::cli
