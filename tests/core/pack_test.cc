#include "moodtune/pack.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

namespace moodtune {
namespace {

std::vector<std::uint8_t> SmoothImage(int w, int h, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<std::uint8_t> px(std::size_t(w) * h);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      px[y * w + x] = static_cast<std::uint8_t>((x * 3 + y * 2 + rng() % 9) & 255);
  return px;
}

TEST(PackCodecTest, RoundTripsSmoothNoiseAndExtremes) {
  for (unsigned seed = 0; seed < 5; ++seed) {
    auto px = SmoothImage(48, 48, seed);
    auto code = EncodeGray(px, 48, 48);
    EXPECT_LT(code.size(), px.size());  // smooth images compress
    auto back = DecodeGray(code, 48, 48);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, px);
  }
  std::mt19937 rng(7);
  std::vector<std::uint8_t> noise(31 * 17), extremes(31 * 17);
  for (std::size_t i = 0; i < noise.size(); ++i) {
    noise[i] = rng() & 255;
    extremes[i] = (i % 3) ? 0 : 255;
  }
  for (const auto& px : {noise, extremes}) {
    auto back = DecodeGray(EncodeGray(px, 31, 17), 31, 17);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, px);
  }
}

TEST(PackCodecTest, TruncatedCodeIsAnError) {
  auto px = SmoothImage(48, 48, 1);
  auto code = EncodeGray(px, 48, 48);
  code.resize(code.size() / 2);
  EXPECT_TRUE(DecodeGray(code, 48, 48).status().IsInvalidArgument());
}

TEST(PackFileTest, WritesAndReadsBack) {
  PackedDataset d;
  d.width = 48;
  d.height = 48;
  d.class_names = {"angry", "happy"};
  for (unsigned i = 0; i < 10; ++i) {
    auto px = SmoothImage(48, 48, i);
    d.pixels.insert(d.pixels.end(), px.begin(), px.end());
    d.labels.push_back(i % 2);
  }
  const auto path = (std::filesystem::temp_directory_path() / "moodtune_pack_test.mtpk").string();
  ASSERT_TRUE(WritePack(d, path).ok());
  auto r = ReadPack(path);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->class_names, d.class_names);
  EXPECT_EQ(r->labels, d.labels);
  EXPECT_EQ(r->pixels, d.pixels);

  // Corrupt: truncate the file.
  std::filesystem::resize_file(path, std::filesystem::file_size(path) - 40);
  EXPECT_TRUE(ReadPack(path).status().IsInvalidArgument());
  std::filesystem::remove(path);
  EXPECT_TRUE(ReadPack(path).status().IsNotFound());
}

TEST(PackFileTest, RejectsInconsistentInput) {
  PackedDataset d;
  d.width = 4;
  d.height = 4;
  d.class_names = {"a"};
  d.labels = {0};
  d.pixels.resize(3);
  EXPECT_TRUE(WritePack(d, "/tmp/never.mtpk").IsInvalidArgument());
}

}  // namespace
}  // namespace moodtune
