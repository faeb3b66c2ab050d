// `moodtune pack`: image-folder dataset -> compact .mtpk files for the trainer core.
#include <CLI/CLI.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <map>

#include "commands.h"
#include "moodtune/emotion.h"
#include "moodtune/pack.h"

namespace moodtune::cli {
namespace {
namespace fs = std::filesystem;

struct PackOptions {
  std::string data;         // image-folder root: <data>/<split>/<class>/<image>
  std::string out = "data/packed";  // writes <out>/<split>.mtpk
  int size = 48;            // images are resized to size x size grayscale
  int per_class_limit = 0;  // 0 = all; small values make smoke-test packs
};

int PackSplit(const fs::path& split_dir, const PackOptions& o) {
  PackedDataset d;
  d.width = d.height = o.size;
  for (int i = 0; i < kNumEmotions; ++i) d.class_names.emplace_back(EmotionName(Emotion(i)));
  std::vector<fs::path> class_dirs;
  for (const auto& e : fs::directory_iterator(split_dir))
    if (e.is_directory()) class_dirs.push_back(e.path());
  std::sort(class_dirs.begin(), class_dirs.end());
  int skipped = 0;
  for (const auto& dir : class_dirs) {
    auto label = ParseEmotion(dir.filename().string());
    if (!label) {
      std::cerr << "pack: ignoring folder " << dir << " (not one of the 7 classes)\n";
      continue;
    }
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir))
      if (e.is_regular_file()) files.push_back(e.path());
    std::sort(files.begin(), files.end());
    if (o.per_class_limit > 0 && int(files.size()) > o.per_class_limit)
      files.resize(o.per_class_limit);
    for (const auto& f : files) {
      cv::Mat img = cv::imread(f.string(), cv::IMREAD_GRAYSCALE);
      if (img.empty()) {
        ++skipped;
        continue;
      }
      if (img.cols != o.size || img.rows != o.size)
        cv::resize(img, img, {o.size, o.size}, 0, 0, cv::INTER_AREA);
      d.pixels.insert(d.pixels.end(), img.data, img.data + img.total());
      d.labels.push_back(static_cast<std::uint8_t>(*label));
    }
  }
  const fs::path out = fs::path(o.out) / (split_dir.filename().string() + ".mtpk");
  Status s = WritePack(d, out.string());
  if (!s.ok()) {
    std::cerr << "pack: " << s.ToString() << "\n";
    return 1;
  }
  std::cerr << "pack: " << out.string() << ": " << d.size() << " images, "
            << fs::file_size(out) / 1024 << " KiB";
  if (skipped) std::cerr << " (" << skipped << " unreadable files skipped)";
  std::cerr << "\n";
  return 0;
}

int RunPack(const PackOptions& o) {
  std::error_code ec;
  if (!fs::is_directory(o.data, ec)) {
    std::cerr << "pack: --data " << o.data << " is not a directory\n";
    return 1;
  }
  if (o.size < 8 || o.size > 512) {
    std::cerr << "pack: --size must be in 8..512\n";
    return 2;
  }
  fs::create_directories(o.out, ec);
  if (ec) {
    std::cerr << "pack: cannot create " << o.out << ": " << ec.message() << "\n";
    return 1;
  }
  std::vector<fs::path> splits;
  for (const auto& e : fs::directory_iterator(o.data))
    if (e.is_directory()) splits.push_back(e.path());
  std::sort(splits.begin(), splits.end());
  if (splits.empty()) {
    std::cerr << "pack: no split folders (train/, validation/) under " << o.data << "\n";
    return 1;
  }
  for (const auto& s : splits)
    if (int rc = PackSplit(s, o)) return rc;
  return 0;
}

}  // namespace

void AddPackCommand(CLI::App& app, int* exit_code) {
  auto opts = std::make_shared<PackOptions>();
  auto* sub = app.add_subcommand("pack", "Pack an image-folder dataset into .mtpk files for the trainer");
  sub->add_option("--data", opts->data, "Dataset root: <data>/<split>/<class>/<image>")->required();
  sub->add_option("--out", opts->out, "Output folder; writes <split>.mtpk")->capture_default_str();
  sub->add_option("--size", opts->size, "Square image side in pixels")->capture_default_str();
  sub->add_option("--per-class-limit", opts->per_class_limit,
                  "Keep at most N images per class (0 = all)")->capture_default_str();
  sub->callback([opts, exit_code] { *exit_code = RunPack(*opts); });
}

}  // namespace moodtune::cli
