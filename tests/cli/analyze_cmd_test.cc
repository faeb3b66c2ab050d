// `moodtune analyze` end to end: JSON lines on real photos, bad inputs in a batch, annotated
// output, folders, missing models and --help defaults.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli_runner.h"
#include "common/skip.h"
#include "moodtune/emotion.h"
#include "moodtune/vision.h"

namespace moodtune {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;
using testing::RunCli;
using testing::TempDir;

const fs::path kDlibFaces = "/usr/share/doc/libdlib19.1/examples/faces";
const fs::path kPhoto = kDlibFaces / "2008_002470.jpg";

#define REQUIRE_MODELS_AND_PHOTOS()                                                                \
  if (!testing::HasModels()) MOODTUNE_SKIP_OR_FAIL("models missing: run scripts/fetch_models.sh"); \
  if (!fs::exists(kPhoto)) MOODTUNE_SKIP_OR_FAIL("install libdlib-dev for " << kDlibFaces)

// Checks one face object of the JSON contract and returns its probabilities' sum.
double CheckFace(const json& f, int width, int height) {
  EXPECT_TRUE(f["box"].is_array());
  EXPECT_EQ(f["box"].size(), 4u);
  const double x = f["box"][0], y = f["box"][1], w = f["box"][2], h = f["box"][3];
  EXPECT_GE(x, 0);
  EXPECT_GE(y, 0);
  EXPECT_GT(w, 0);
  EXPECT_GT(h, 0);
  EXPECT_LE(x + w, width + 0.5);
  EXPECT_LE(y + h, height + 0.5);
  EXPECT_GE(f["score"].get<double>(), 0);
  EXPECT_LE(f["score"].get<double>(), 1);
  const json& p = f["probabilities"];
  EXPECT_EQ(p.size(), static_cast<std::size_t>(kNumEmotions));
  double sum = 0, best = -1;
  std::string argmax;
  for (int i = 0; i < kNumEmotions; ++i) {
    const std::string name(EmotionName(Emotion(i)));
    EXPECT_TRUE(p.contains(name)) << name;
    if (!p.contains(name)) continue;
    const double v = p[name];
    EXPECT_GE(v, 0);
    sum += v;
    if (v > best) best = v, argmax = name;
  }
  EXPECT_EQ(f["emotion"], argmax);
  EXPECT_NEAR(f["confidence"].get<double>(), best, 1e-6);
  return sum;
}

TEST(AnalyzeCliTest, DlibPhotoGivesFacesWithSevenProbabilities) {
  REQUIRE_MODELS_AND_PHOTOS();
  const testing::CliRun r = RunCli({"analyze", "--json", kPhoto.string()});
  ASSERT_TRUE(r.exited) << r.err;
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto lines = r.OutLines();
  ASSERT_EQ(lines.size(), 1u) << r.out;
  const json j = json::parse(lines[0]);
  EXPECT_EQ(j["image"], kPhoto.string());
  const cv::Mat img = cv::imread(kPhoto.string());
  EXPECT_EQ(j["width"], img.cols);
  EXPECT_EQ(j["height"], img.rows);
  ASSERT_GE(j["faces"].size(), 1u);
  for (const json& f : j["faces"]) EXPECT_NEAR(CheckFace(f, img.cols, img.rows), 1.0, 1e-3);
}

TEST(AnalyzeCliTest, EveryDlibPhotoIsValidJson) {
  REQUIRE_MODELS_AND_PHOTOS();
  const testing::CliRun r = RunCli({"analyze", "--json", kDlibFaces.string()});
  ASSERT_TRUE(r.exited) << r.err;
  EXPECT_EQ(r.exit_code, 0) << r.err;
  int images = 0, faces = 0;
  std::string previous;
  for (const std::string& line : r.OutLines()) {
    const json j = json::parse(line);
    ASSERT_TRUE(j.contains("faces")) << line;
    EXPECT_LT(previous, j["image"].get<std::string>());  // sorted
    previous = j["image"];
    ++images;
    for (const json& f : j["faces"]) {
      EXPECT_NEAR(CheckFace(f, j["width"], j["height"]), 1.0, 1e-3);
      ++faces;
    }
  }
  int jpgs = 0;  // the .xml/.xsl files beside them are skipped
  for (const auto& e : fs::directory_iterator(kDlibFaces)) jpgs += e.path().extension() == ".jpg";
  EXPECT_EQ(images, jpgs);
  EXPECT_GT(faces, images);
}

std::string Crc32(const std::string& bytes) {
  std::uint32_t c = 0xFFFFFFFFu;
  for (unsigned char b : bytes) {
    c ^= b;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
  }
  c ^= 0xFFFFFFFFu;
  return {static_cast<char>(c >> 24), static_cast<char>(c >> 16), static_cast<char>(c >> 8),
          static_cast<char>(c)};
}

// A valid PNG signature and IHDR claiming 100000 x 100000 RGB, and nothing else: a decoder
// that trusted it would try to allocate 30 GB.
std::string HugePngHeader() {
  const std::string be100000("\x00\x01\x86\xA0", 4);
  const std::string ihdr = "IHDR" + be100000 + be100000 + std::string("\x08\x02\x00\x00\x00", 5);
  return std::string("\x89PNG\r\n\x1a\n", 8) + std::string("\x00\x00\x00\x0D", 4) + ihdr +
         Crc32(ihdr);
}

TEST(AnalyzeCliTest, BadInputsGetErrorLinesAndTheBatchGoesOn) {
  REQUIRE_MODELS_AND_PHOTOS();
  TempDir dir;
  const std::string photo = testing::ReadFile(kPhoto);
  testing::WriteFile(dir.path() / "a_good.jpg", photo);
  testing::WriteFile(dir.path() / "b_not_an_image.jpg", "hello, I am text, not a JPEG\n");
  testing::WriteFile(dir.path() / "c_empty.png", "");
  testing::WriteFile(dir.path() / "d_truncated.jpg", photo.substr(0, photo.size() / 2));
  testing::WriteFile(dir.path() / "e_huge.png", HugePngHeader());
  testing::WriteFile(dir.path() / "f_good.jpg", photo);
  const std::string missing = (dir.path() / "missing" / "nothing.jpg").string();

  const testing::CliRun r = RunCli({"analyze", "--json", dir.path().string(), missing});
  ASSERT_TRUE(r.exited) << r.err;
  EXPECT_EQ(r.exit_code, 1);
  const auto lines = r.OutLines();
  ASSERT_EQ(lines.size(), 7u) << r.out << r.err;
  std::vector<json> js;
  for (const auto& l : lines) js.push_back(json::parse(l));
  const std::vector<std::string> names{"a_good.jpg",      "b_not_an_image.jpg", "c_empty.png",
                                       "d_truncated.jpg", "e_huge.png",         "f_good.jpg"};
  for (std::size_t i = 0; i < names.size(); ++i) {
    EXPECT_EQ(js[i]["image"], (dir.path() / names[i]).string());
  }
  EXPECT_EQ(js[6]["image"], missing);
  for (int good : {0, 5}) {
    EXPECT_FALSE(js[good].contains("error")) << lines[good];
    EXPECT_GE(js[good]["faces"].size(), 1u) << lines[good];
  }
  for (int bad : {1, 2, 3, 4, 6}) {
    ASSERT_TRUE(js[bad].contains("error")) << lines[bad];
    EXPECT_FALSE(js[bad]["error"].get<std::string>().empty());
    EXPECT_FALSE(js[bad].contains("faces"));
    EXPECT_EQ(js[bad].size(), 2u) << lines[bad];  // exactly {image, error}
  }
  EXPECT_NE(js[3]["error"].get<std::string>().find("truncated"), std::string::npos) << lines[3];
  EXPECT_NE(js[4]["error"].get<std::string>().find("limit"), std::string::npos) << lines[4];

  // Text mode: the same failures on stderr, the good images on stdout, same exit code.
  const testing::CliRun t = RunCli({"analyze", dir.path().string(), missing});
  ASSERT_TRUE(t.exited) << t.err;
  EXPECT_EQ(t.exit_code, 1);
  for (int bad : {1, 2, 3, 4}) {
    EXPECT_NE(t.err.find(names[bad]), std::string::npos) << names[bad] << "\n" << t.err;
  }
  EXPECT_NE(t.err.find(missing), std::string::npos) << t.err;
  EXPECT_NE(t.out.find("a_good.jpg"), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("f_good.jpg"), std::string::npos) << t.out;
}

TEST(AnalyzeCliTest, PixelLimitIsAnOption) {
  REQUIRE_MODELS_AND_PHOTOS();
  const cv::Mat img = cv::imread(kPhoto.string());
  const std::string limit = std::to_string(static_cast<long long>(img.total()) - 1);
  const testing::CliRun r = RunCli({"analyze", "--json", "--max-pixels", limit, kPhoto.string()});
  ASSERT_TRUE(r.exited) << r.err;
  EXPECT_EQ(r.exit_code, 1);
  ASSERT_EQ(r.OutLines().size(), 1u);
  EXPECT_TRUE(json::parse(r.OutLines()[0]).contains("error")) << r.out;
}

TEST(AnalyzeCliTest, NoFaceIsNotAnError) {
  REQUIRE_MODELS_AND_PHOTOS();
  TempDir dir;
  const fs::path blank = dir.path() / "blank.png";
  ASSERT_TRUE(cv::imwrite(blank.string(), cv::Mat(240, 320, CV_8UC3, cv::Scalar(90, 120, 150))));
  const testing::CliRun r = RunCli({"analyze", "--json", blank.string()});
  ASSERT_TRUE(r.exited) << r.err;
  EXPECT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(r.OutLines().size(), 1u) << r.out;
  const json j = json::parse(r.OutLines()[0]);
  EXPECT_TRUE(j["faces"].is_array());
  EXPECT_TRUE(j["faces"].empty());
  EXPECT_EQ(j["width"], 320);
  EXPECT_EQ(j["height"], 240);
}

TEST(AnalyzeCliTest, AssumeFaceTreatsTheWholeImageAsOneFace) {
  REQUIRE_MODELS_AND_PHOTOS();
  const testing::CliRun r = RunCli({"analyze", "--json", "--assume-face", kPhoto.string()});
  ASSERT_TRUE(r.exited) << r.err;
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const json j = json::parse(r.OutLines().at(0));
  ASSERT_EQ(j["faces"].size(), 1u);
  const json& f = j["faces"][0];
  EXPECT_EQ(f["box"], json({0, 0, j["width"], j["height"]}));
  EXPECT_EQ(f["score"], 1);
  EXPECT_NEAR(CheckFace(f, j["width"], j["height"]), 1.0, 1e-3);
}

TEST(AnalyzeCliTest, FoldersAreSearchedRecursivelyInSortedOrder) {
  REQUIRE_MODELS_AND_PHOTOS();
  TempDir dir;
  const std::string photo = testing::ReadFile(kPhoto);
  testing::WriteFile(dir.path() / "b.jpg", photo);
  testing::WriteFile(dir.path() / "a" / "c.JPEG", photo);  // extensions are case-insensitive
  testing::WriteFile(dir.path() / "notes.txt", "not an image");
  const testing::CliRun r = RunCli({"analyze", "--json", dir.path().string()});
  ASSERT_TRUE(r.exited) << r.err;
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto lines = r.OutLines();
  ASSERT_EQ(lines.size(), 2u) << r.out;
  EXPECT_EQ(json::parse(lines[0])["image"], (dir.path() / "a" / "c.JPEG").string());
  EXPECT_EQ(json::parse(lines[1])["image"], (dir.path() / "b.jpg").string());
}

TEST(AnalyzeCliTest, AnnotateWritesSameSizeImagesWithDistinctNames) {
  REQUIRE_MODELS_AND_PHOTOS();
  TempDir in, out;
  const std::string photo = testing::ReadFile(kPhoto);
  // Same file name in two folders: the outputs must not overwrite each other.
  testing::WriteFile(in.path() / "x" / "face.jpg", photo);
  testing::WriteFile(in.path() / "y" / "face.jpg", photo);
  const fs::path out_dir = out.path() / "annotated";
  const testing::CliRun r =
      RunCli({"analyze", "--json", "--annotate", out_dir.string(), in.path().string()});
  ASSERT_TRUE(r.exited) << r.err;
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.OutLines().size(), 2u) << r.out;
  std::vector<fs::path> written;
  for (const auto& e : fs::directory_iterator(out_dir)) written.push_back(e.path());
  ASSERT_EQ(written.size(), 2u);
  const cv::Mat original = cv::imread(kPhoto.string());
  for (const fs::path& p : written) {
    const cv::Mat a = cv::imread(p.string());
    ASSERT_FALSE(a.empty()) << p;
    EXPECT_EQ(a.size(), original.size()) << p;
    EXPECT_GT(cv::norm(a, original, cv::NORM_L1), 0) << "nothing drawn on " << p;
  }
}

TEST(AnalyzeCliTest, MissingModelSaysHowToGetIt) {
  const testing::CliRun r =
      RunCli({"analyze", "--model", "/nonexistent/emotion.onnx", kPhoto.string()});
  ASSERT_TRUE(r.exited) << r.err;
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_NE(r.err.find("/nonexistent/emotion.onnx"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("scripts/"), std::string::npos) << r.err;

  const testing::CliRun d =
      RunCli({"analyze", "--detector-model", "/nonexistent/face.onnx", kPhoto.string()});
  ASSERT_TRUE(d.exited) << d.err;
  EXPECT_EQ(d.exit_code, 1);
  EXPECT_NE(d.err.find("/nonexistent/face.onnx"), std::string::npos) << d.err;
  EXPECT_NE(d.err.find("scripts/"), std::string::npos) << d.err;
}

TEST(AnalyzeCliTest, HelpPrintsTheLibraryDefaults) {
  for (const char* cmd : {"analyze", "eval"}) {
    const testing::CliRun r = RunCli({cmd, "--help"});
    ASSERT_TRUE(r.exited);
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_NE(r.out.find(ClassifierOptions{}.model_path), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(BlazeFaceOptions{}.model_path), std::string::npos) << r.out;
    std::ostringstream pixels, score;
    pixels << "=" << DecodeOptions{}.max_pixels;
    EXPECT_NE(r.out.find(pixels.str()), std::string::npos) << r.out;
    score << "=" << BlazeFaceOptions{}.min_score;
    EXPECT_NE(r.out.find(score.str()), std::string::npos) << r.out;
  }
}

}  // namespace
}  // namespace moodtune
