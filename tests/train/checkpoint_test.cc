#include "checkpoint.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace moodtune::train {
namespace {

TEST(CheckpointTest, RoundTripsWeightsAndHeader) {
  torch::manual_seed(1);
  ModelOptions mo;
  mo.widths = {4, 8};
  EmotionNet a(mo), b(mo);
  Checkpoint ck;
  ck.model = mo;
  ck.epoch = 3;
  ck.total_epochs = 9;
  ck.best_val_acc = 0.5;
  ck.best_epoch = 2;
  ck.seed = 7;
  AppendWeights(a, &ck);
  const auto path = (std::filesystem::temp_directory_path() / "mt_ck_test.ckpt").string();
  ASSERT_TRUE(SaveCheckpoint(ck, path).ok());
  auto back = LoadCheckpoint(path);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->model.widths, mo.widths);
  EXPECT_EQ(back->epoch, 3);
  EXPECT_EQ(back->total_epochs, 9);
  EXPECT_EQ(back->seed, 7u);
  ASSERT_TRUE(LoadWeights(*back, b).ok());
  auto pa = a->parameters(), pb = b->parameters();
  ASSERT_EQ(pa.size(), pb.size());
  for (size_t i = 0; i < pa.size(); ++i) EXPECT_TRUE(torch::equal(pa[i], pb[i]));

  // A different architecture does not load silently.
  ModelOptions other;
  other.widths = {4, 16};
  EmotionNet c(other);
  EXPECT_TRUE(LoadWeights(*back, c).IsInvalidArgument());

  // Truncated and missing files are clear errors.
  std::filesystem::resize_file(path, std::filesystem::file_size(path) / 2);
  EXPECT_TRUE(LoadCheckpoint(path).status().IsInvalidArgument());
  std::filesystem::remove(path);
  EXPECT_TRUE(LoadCheckpoint(path).status().IsNotFound());
}

}  // namespace
}  // namespace moodtune::train
