// Trains one tiny epoch on a few hundred FER2013 images, resumes, and exports: the trainer's
// whole path, end to end, in seconds. Uses ../shared/data (the project's data location).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "checkpoint.h"
#include "curve.h"
#include "onnx_export.h"
#include "onnx_import.h"
#include "trainer.h"

namespace moodtune::train {
namespace {
namespace fs = std::filesystem;

class TrainerSmokeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const fs::path data = fs::path(MOODTUNE_SOURCE_DIR) / "../shared/data/fer2013";
    ASSERT_TRUE(fs::is_directory(data)) << "FER2013 not found at " << data;
    dir_ = fs::temp_directory_path() / ("mt_smoke_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    const std::string cmd = std::string(MOODTUNE_BINARY_DIR) + "/moodtune pack --data " +
                            data.string() + " --out " + dir_.string() +
                            " --per-class-limit 40 2>/dev/null";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  }
  void TearDown() override { fs::remove_all(dir_); }

  TrainOptions Options(const std::string& run) const {
    TrainOptions o;
    o.train_packs = {(dir_ / "train.mtpk").string()};
    o.val_pack = (dir_ / "validation.mtpk").string();
    o.out_dir = (dir_ / run).string();
    o.epochs = 2;
    o.batch_size = 32;
    o.device = "cpu";
    o.progress = false;
    o.model.widths = {8, 16, 32, 32};
    return o;
  }
  fs::path dir_;
};

TEST_F(TrainerSmokeTest, TrainsResumesAndExports) {
  std::ostringstream log;
  auto full = Train(Options("full"), log);
  ASSERT_TRUE(full.ok()) << full.status().ToString();
  EXPECT_EQ(full->epochs_done, 2);
  EXPECT_GT(full->best_val_acc, 0.0);

  // Same run, interrupted after one epoch and resumed: same weights as uninterrupted.
  auto first = Options("split");
  first.stop_after = 1;
  ASSERT_TRUE(Train(first, log).ok());
  auto second = Options("split");
  second.resume = true;
  auto resumed = Train(second, log);
  ASSERT_TRUE(resumed.ok()) << resumed.status().ToString();
  EXPECT_EQ(resumed->epochs_done, 2);
  // Issue 13: both runs leave a curve with one row per epoch, the resumed one included.
  for (const char* run : {"full", "split"}) {
    std::ifstream in(dir_ / run / "curve.csv");
    std::stringstream text;
    text << in.rdbuf();
    auto curve = ParseCurveCsv(text.str());
    ASSERT_TRUE(curve.ok()) << run << ": " << curve.status().ToString();
    ASSERT_EQ(curve->size(), 2u) << run;
    EXPECT_EQ(curve->back().epoch, 2);
    EXPECT_GT(curve->back().loss, 0.0);
  }
  auto a = LoadCheckpoint((dir_ / "full/last.ckpt").string());
  auto b = LoadCheckpoint((dir_ / "split/last.ckpt").string());
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_EQ(a->tensors.size(), b->tensors.size());
  double max_diff = 0;
  for (size_t i = 0; i < a->tensors.size(); ++i)
    max_diff = std::max(max_diff,
                        (a->tensors[i].second - b->tensors[i].second).abs().max().item<double>());
  EXPECT_LT(max_diff, 1e-4);

  const auto onnx = (dir_ / "model.onnx").string();
  ASSERT_TRUE(ExportCheckpointToOnnx((dir_ / "full/best.ckpt").string(), onnx).ok());
  EXPECT_GT(fs::file_size(onnx), 1000u);
}

// Issue 10's path: import the exported model (the shipped model has no checkpoint), fine-tune
// it on two packs (one sampled) with frozen blocks, distilling from a teacher.
TEST_F(TrainerSmokeTest, ImportFineTuneAndDistil) {
  std::ostringstream log;
  auto base = Options("base");
  ASSERT_TRUE(Train(base, log).ok()) << log.str();
  const auto onnx = (dir_ / "base.onnx").string();
  ASSERT_TRUE(ExportCheckpointToOnnx((dir_ / "base/best.ckpt").string(), onnx).ok());
  auto calib = ReadPack((dir_ / "train.mtpk").string());
  ASSERT_TRUE(calib.ok());
  auto imported = ImportOnnx(onnx, *calib);
  ASSERT_TRUE(imported.ok()) << imported.status().ToString();
  const auto ck_path = (dir_ / "imported.ckpt").string();
  ASSERT_TRUE(SaveCheckpoint(*imported, ck_path).ok());
  // Same function in eval mode: the same logits on the validation pack, to float precision.
  auto val = ReadPack((dir_ / "validation.mtpk").string());
  ASSERT_TRUE(val.ok());
  auto original = LoadNets({(dir_ / "base/best.ckpt").string()});
  auto reloaded = LoadNets({ck_path});
  ASSERT_TRUE(original.ok() && reloaded.ok());
  auto la = EnsembleLogits(*original, *val, false);
  auto lb = EnsembleLogits(*reloaded, *val, false);
  EXPECT_LT((la - lb).abs().max().item<double>(), 1e-3);

  auto ft = Options("ft");
  ft.train_packs = {(dir_ / "train.mtpk").string(), (dir_ / "train.mtpk").string() + ":50"};
  ft.init_checkpoint = ck_path;
  ft.freeze_blocks = 1;
  ft.teachers = {(dir_ / "base/best.ckpt").string()};
  ft.epochs = 1;
  auto rep = Train(ft, log);
  ASSERT_TRUE(rep.ok()) << rep.status().ToString() << log.str();
  EXPECT_NE(log.str().find("fine-tuning from"), std::string::npos);
  EXPECT_NE(log.str().find("distilling from 1 teacher"), std::string::npos);
  EXPECT_NE(log.str().find(": 50 of"), std::string::npos) << log.str();
  // Frozen: the first block's convolutions did not move.
  auto tuned = LoadCheckpoint((dir_ / "ft/last.ckpt").string());
  ASSERT_TRUE(tuned.ok());
  const torch::Tensor* before = FindTensor(*imported, "model.conv0.weight");
  const torch::Tensor* after = FindTensor(*tuned, "model.conv0.weight");
  ASSERT_TRUE(before && after);
  EXPECT_TRUE(torch::equal(*before, *after));
  const torch::Tensor* fc_before = FindTensor(*imported, "model.fc.weight");
  const torch::Tensor* fc_after = FindTensor(*tuned, "model.fc.weight");
  ASSERT_TRUE(fc_before && fc_after);
  EXPECT_FALSE(torch::equal(*fc_before, *fc_after));
}

TEST_F(TrainerSmokeTest, BadInputsAreClearErrors) {
  std::ostringstream log;
  auto o = Options("bad");
  o.train_packs = {(dir_ / "missing.mtpk").string()};
  EXPECT_TRUE(Train(o, log).status().IsNotFound());
  o = Options("bad");
  o.resume = true;  // nothing to resume from
  EXPECT_TRUE(Train(o, log).status().IsNotFound());
}

}  // namespace
}  // namespace moodtune::train
