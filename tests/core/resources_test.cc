// Issue 13: model paths must not depend on the working directory.
#include "moodtune/resources.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace moodtune {
namespace {
namespace fs = std::filesystem;

TEST(ResourcesTest, CandidatesInOrder) {
  ResourceSearch s{"/opt/mt", "/usr/local/bin"};
  const auto c = ResourceCandidates("models/emotion/emotion.onnx", s);
  ASSERT_EQ(c.size(), 4u);
  EXPECT_EQ(c[0], "models/emotion/emotion.onnx");
  EXPECT_EQ(c[1], "/opt/mt/models/emotion/emotion.onnx");
  EXPECT_EQ(c[2], "/usr/local/models/emotion/emotion.onnx");
  EXPECT_EQ(c[3], "/usr/local/share/moodtune/models/emotion/emotion.onnx");
  EXPECT_EQ(ResourceCandidates("/abs/x.onnx", s), std::vector<std::string>{"/abs/x.onnx"});
  EXPECT_EQ(ResourceCandidates("x.onnx", ResourceSearch{}), std::vector<std::string>{"x.onnx"});
  EXPECT_TRUE(ResourceCandidates("", s).empty());
}

TEST(ResourcesTest, FindsBesideTheExecutableAndNamesEveryPlaceWhenMissing) {
  const fs::path root = fs::temp_directory_path() / ("mt_res_" + std::to_string(::getpid()));
  fs::create_directories(root / "bin");
  fs::create_directories(root / "share/moodtune/models");
  std::ofstream(root / "share/moodtune/models/m.onnx") << "x";
  ResourceSearch s{"", (root / "bin").string()};
  auto found = FindResource("models/m.onnx", s);
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  EXPECT_EQ(*found, (root / "share/moodtune/models/m.onnx").string());
  auto missing = FindResource("models/none.onnx", s);
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(missing.status().IsNotFound());
  EXPECT_NE(missing.status().message().find((root / "share/moodtune/models/none.onnx").string()),
            std::string::npos)
      << missing.status().message();
  fs::remove_all(root);
}

}  // namespace
}  // namespace moodtune
