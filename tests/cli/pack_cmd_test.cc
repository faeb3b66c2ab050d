// `moodtune pack`: what the trainer learns is what analyze and the server see (STYLE rule 16,
// issue 10). The pack's crops must be byte-identical to FaceInput on the detector's best face.
#include <gtest/gtest.h>

#include <filesystem>

#include "cli_runner.h"
#include "common/skip.h"
#include "moodtune/pack.h"
#include "moodtune/vision.h"

namespace moodtune {
namespace {
namespace fs = std::filesystem;

const fs::path kDlibFaces = "/usr/share/doc/libdlib19.1/examples/faces";

TEST(PackCliTest, Issue10FacesPackMatchesTheServingCropExactly) {
  if (!testing::HasModels()) MOODTUNE_SKIP_OR_FAIL("models missing: run scripts/fetch_models.sh");
  const std::vector<std::string> photos = {"2008_001009.jpg", "2008_002506.jpg"};
  for (const auto& p : photos)
    if (!fs::exists(kDlibFaces / p)) MOODTUNE_SKIP_OR_FAIL("install libdlib-dev for " << p);
  testing::TempDir dir;
  const fs::path data = dir.path() / "photos";
  fs::create_directories(data / "happiness");  // a real-photo label name, mapped to happy
  fs::create_directories(data / "contempt");   // not one of the seven: ignored
  for (const auto& p : photos) fs::copy_file(kDlibFaces / p, data / "happiness" / p);
  fs::copy_file(kDlibFaces / photos[0], data / "contempt" / photos[0]);
  const testing::CliRun r = testing::RunCli(
      {"pack", "--faces", "--data", data.string(), "--out", (dir.path() / "out").string()});
  ASSERT_TRUE(r.exited) << r.err;
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto pack = ReadPack((dir.path() / "out" / "photos.mtpk").string());
  ASSERT_TRUE(pack.ok()) << pack.status().ToString() << "\n" << r.err;
  ASSERT_EQ(pack->size(), photos.size());

  BlazeFaceOptions det_opts;
  det_opts.model_path = (testing::SourceDir() / det_opts.model_path).string();
  auto det = CreateBlazeFaceDetector(det_opts);
  ASSERT_TRUE(det.ok()) << det.status().ToString();
  const AlignOptions align;
  const std::size_t side = static_cast<std::size_t>(align.size);
  for (std::size_t i = 0; i < photos.size(); ++i) {
    EXPECT_EQ(pack->labels[i], static_cast<std::uint8_t>(Emotion::kHappy));
    auto img = ReadImageFile((kDlibFaces / photos[i]).string());
    ASSERT_TRUE(img.ok());
    auto faces = (*det)->Detect(*img);
    ASSERT_TRUE(faces.ok() && !faces->empty());
    const cv::Mat want = FaceInput(*img, &faces->front(), align);
    ASSERT_EQ(want.total(), side * side);
    const std::uint8_t* got = pack->pixels.data() + i * side * side;
    EXPECT_TRUE(std::equal(got, got + side * side, want.data)) << photos[i];
  }
}

}  // namespace
}  // namespace moodtune
