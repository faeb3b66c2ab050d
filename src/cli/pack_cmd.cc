// `moodtune pack`: image-folder dataset -> compact .mtpk files for the trainer core.
// Every image goes through FaceInput, the same pre-processing `analyze` and the server use:
// pre-cropped faces (FER2013) as they are, real photos (--faces) through the detector and
// the aligned crop of their best face.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <opencv2/imgproc.hpp>

#include "commands.h"
#include "moodtune/emotion.h"
#include "moodtune/pack.h"
#include "moodtune/vision.h"
#include "vision_flags.h"

namespace moodtune::cli {
namespace {
namespace fs = std::filesystem;

struct PackOptions {
  std::string data;                 // <data>/<split>/<class>/<image>, or <data>/<class>/<image>
  std::string out = "data/packed";  // writes <out>/<split>.mtpk
  bool faces = false;               // real photos: detect, keep the best face, aligned crop
  int per_class_limit = 0;          // 0 = all; small values make smoke-test packs
  AnalyzerOptions analyzer;         // detector and crop (FaceInput) settings; defaults in vision.h
  DecodeOptions decode;
};

struct SplitCounts {
  int packed = 0, unreadable = 0, no_face = 0;
};

bool IsClassDir(const fs::path& p) { return ParseEmotion(p.filename().string()).has_value(); }

int PackSplit(const fs::path& split_dir, const std::string& split_name, const PackOptions& o,
              const FaceDetector* detector) {
  PackedDataset d;
  d.width = d.height = o.analyzer.align.size;
  for (int i = 0; i < kNumEmotions; ++i) d.class_names.emplace_back(EmotionName(Emotion(i)));
  std::vector<fs::path> class_dirs;
  for (const auto& e : fs::directory_iterator(split_dir))
    if (e.is_directory()) class_dirs.push_back(e.path());
  std::sort(class_dirs.begin(), class_dirs.end());
  std::vector<std::pair<fs::path, Emotion>> files;
  for (const auto& dir : class_dirs) {
    auto label = ParseEmotion(dir.filename().string());
    if (!label) {
      std::cerr << "pack: ignoring folder " << dir << " (not one of the 7 classes)\n";
      continue;
    }
    std::vector<fs::path> in_class;
    for (const auto& e : fs::directory_iterator(dir))
      if (e.is_regular_file() && HasImageExtension(e.path())) in_class.push_back(e.path());
    std::sort(in_class.begin(), in_class.end());
    if (o.per_class_limit > 0 && int(in_class.size()) > o.per_class_limit)
      in_class.resize(o.per_class_limit);
    for (auto& f : in_class) files.emplace_back(std::move(f), *label);
  }
  SplitCounts c;
  ProgressBar bar(files.size(), isatty(STDERR_FILENO) != 0);
  for (std::size_t i = 0; i < files.size(); ++i) {
    bar.Update(i + 1);
    const auto& [path, label] = files[i];
    auto img = ReadImageFile(path.string(), o.decode);
    if (!img.ok()) {
      ++c.unreadable;
      continue;
    }
    cv::Mat crop;
    if (detector != nullptr) {
      auto found = detector->Detect(*img);
      if (!found.ok() || found->empty()) {
        ++c.no_face;
        continue;
      }
      crop = FaceInput(*img, &found->front(), o.analyzer.align);  // best face first
    } else {
      crop = FaceInput(*img, nullptr, o.analyzer.align);
    }
    if (crop.empty() || !crop.isContinuous()) {
      ++c.unreadable;
      continue;
    }
    d.pixels.insert(d.pixels.end(), crop.data, crop.data + crop.total());
    d.labels.push_back(static_cast<std::uint8_t>(label));
    ++c.packed;
  }
  bar.Clear();
  const fs::path out = fs::path(o.out) / (split_name + ".mtpk");
  Status s = WritePack(d, out.string());
  if (!s.ok()) {
    std::cerr << "pack: " << s.ToString() << "\n";
    return 1;
  }
  std::cerr << "pack: " << out.string() << ": " << d.size() << " images, "
            << fs::file_size(out) / 1024 << " KiB";
  if (c.unreadable) std::cerr << ", " << c.unreadable << " unreadable files skipped";
  if (c.no_face) std::cerr << ", " << c.no_face << " photos without a face skipped";
  std::cerr << "\n";
  return 0;
}

int RunPack(const PackOptions& o) {
  std::error_code ec;
  if (!fs::is_directory(o.data, ec)) {
    std::cerr << "pack: --data " << o.data << " is not a directory\n";
    return 1;
  }
  if (o.analyzer.align.size < 8 || o.analyzer.align.size > 512) {
    std::cerr << "pack: --size must be in 8..512\n";
    return 2;
  }
  std::unique_ptr<FaceDetector> detector;
  if (o.faces) {
    BlazeFaceOptions det_opts = o.analyzer.detector;
    det_opts.net_copies = 1;
    auto d = CreateBlazeFaceDetector(det_opts);
    if (!d.ok()) {
      std::cerr << "pack: " << d.status().ToString() << "\n";
      return 1;
    }
    detector = std::move(d).value();
  }
  fs::create_directories(o.out, ec);
  if (ec) {
    std::cerr << "pack: cannot create " << o.out << ": " << ec.message() << "\n";
    return 1;
  }
  std::vector<fs::path> dirs;
  for (const auto& e : fs::directory_iterator(o.data))
    if (e.is_directory()) dirs.push_back(e.path());
  std::sort(dirs.begin(), dirs.end());
  // <data>/<class>/...: one split, named after the folder (faces-in-the-wild-train).
  if (std::any_of(dirs.begin(), dirs.end(), IsClassDir)) {
    fs::path p = fs::absolute(o.data).lexically_normal();
    if (p.filename().empty()) p = p.parent_path();  // "dir/" -> "dir"
    const std::string name = p.filename().string();
    return PackSplit(o.data, name, o, detector.get());
  }
  if (dirs.empty()) {
    std::cerr << "pack: no split folders (train/, validation/) or class folders under " << o.data
              << "\n";
    return 1;
  }
  for (const auto& s : dirs)
    if (int rc = PackSplit(s, s.filename().string(), o, detector.get())) return rc;
  return 0;
}

}  // namespace

void AddPackCommand(CLI::App& app, int* exit_code) {
  auto opts = std::make_shared<PackOptions>();
  // The detector's backend defaults as serving's does, so a pack holds the crops the server
  // classifies (PackCliTest.Issue10FacesPackMatchesTheServingCropExactly). The shipped
  // model's packs were cut with OpenCV DNN's detector, whose boxes differ from oneDNN's by
  // ~1e-4 px (a few 8-bit crop pixels): scripts/train_model.sh passes --face-backend opencv
  // to reproduce it byte for byte.
  auto* sub = app.add_subcommand(
      "pack",
      "Pack an image-folder dataset into .mtpk files for the trainer (same crops as analyze)");
  sub->add_option("--data", opts->data,
                  "Dataset root: <data>/<split>/<class>/<image> or <data>/<class>/<image>")
      ->required();
  sub->add_option("--out", opts->out, "Output folder; writes <split>.mtpk")->capture_default_str();
  sub->add_flag("--faces", opts->faces,
                "Real photos: detect faces and pack the aligned crop of the best one "
                "(photos without a face are skipped and counted)");
  sub->add_option("--size", opts->analyzer.align.size, "Square crop side in pixels")
      ->capture_default_str();
  sub->add_option("--per-class-limit", opts->per_class_limit,
                  "Keep at most N images per class (0 = all)")
      ->capture_default_str();
  AddVisionFlags(sub, &opts->analyzer, &opts->decode);
  sub->callback([opts, exit_code] { *exit_code = RunPack(*opts); });
}

}  // namespace moodtune::cli
