// Trains one tiny epoch on a few hundred FER2013 images, resumes, and exports: the trainer's
// whole path, end to end, in seconds. Uses ../shared/data (the project's data location).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "checkpoint.h"
#include "onnx_export.h"
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
  auto a = LoadCheckpoint((dir_ / "full/last.ckpt").string());
  auto b = LoadCheckpoint((dir_ / "split/last.ckpt").string());
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_EQ(a->tensors.size(), b->tensors.size());
  double max_diff = 0;
  for (size_t i = 0; i < a->tensors.size(); ++i)
    max_diff = std::max(max_diff, (a->tensors[i].second - b->tensors[i].second).abs().max().item<double>());
  EXPECT_LT(max_diff, 1e-4);

  const auto onnx = (dir_ / "model.onnx").string();
  ASSERT_TRUE(ExportCheckpointToOnnx((dir_ / "full/best.ckpt").string(), onnx).ok());
  EXPECT_GT(fs::file_size(onnx), 1000u);
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
