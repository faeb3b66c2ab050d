// Analyzer wiring with the real BlazeFace and a fake classifier (so it runs before the
// emotion model exists), plus Analyzer::Create error paths.
#include <gtest/gtest.h>

#include <filesystem>
#include <numeric>
#include <opencv2/imgproc.hpp>

#include "common/skip.h"
#include "moodtune/vision.h"

namespace moodtune {
namespace {

const std::string kSource = MOODTUNE_SOURCE_DIR;
const std::string kBlazeFace =
    kSource + "/models/blazeface/face_detection_back_256x256_barracuda.onnx";
const std::string kPhoto = "/usr/share/doc/libdlib19.1/examples/faces/2008_001009.jpg";

// Puts all mass on a class chosen by the crop's mean brightness, and records the crops.
class FakeClassifier final : public EmotionClassifier {
 public:
  explicit FakeClassifier(std::vector<cv::Size>* sizes) : sizes_(sizes) {}
  Result<EmotionProbs> Classify(const cv::Mat& face) const override {
    if (face.empty()) return Status::InvalidArgument("empty");
    sizes_->push_back(face.size());
    EmotionProbs p{};
    p.fill(0.05f);
    p[cv::mean(face)[0] > 128 ? static_cast<int>(Emotion::kHappy)
                              : static_cast<int>(Emotion::kSad)] = 0.7f;
    return p;
  }
  std::vector<cv::Size>* sizes_;
};

class FailingDetector final : public FaceDetector {
 public:
  Result<std::vector<Detection>> Detect(const cv::Mat&) const override {
    return Status::Internal("detector broke");
  }
};

std::unique_ptr<FaceDetector> BlazeFace() {
  BlazeFaceOptions o;
  o.model_path = kBlazeFace;
  auto d = CreateBlazeFaceDetector(o);
  EXPECT_TRUE(d.ok()) << d.status().ToString();
  return d.ok() ? std::move(d).value() : nullptr;
}

TEST(AnalyzerTest, DetectsAlignsAndClassifiesEveryFace) {
  if (!std::filesystem::exists(kPhoto)) MOODTUNE_SKIP_OR_FAIL("install libdlib-dev");
  std::vector<cv::Size> sizes;
  auto det = BlazeFace();
  ASSERT_TRUE(det);
  auto img = ReadImageFile(kPhoto);
  ASSERT_TRUE(img.ok());
  auto expected = det->Detect(*img);
  ASSERT_TRUE(expected.ok());
  Analyzer a(std::move(det), std::make_unique<FakeClassifier>(&sizes), AlignOptions{});
  auto faces = a.Analyze(*img);
  ASSERT_TRUE(faces.ok()) << faces.status().ToString();
  ASSERT_EQ(faces->size(), expected->size());
  ASSERT_EQ(faces->size(), 2u);
  for (std::size_t i = 0; i < faces->size(); ++i) {
    const Face& f = (*faces)[i];
    EXPECT_EQ(f.detection.box.x, (*expected)[i].box.x);
    EXPECT_EQ(f.emotion, TopEmotion(f.probabilities));
    EXPECT_FLOAT_EQ(f.confidence, 0.7f);
    EXPECT_EQ(sizes[i], cv::Size(48, 48));  // aligned crops reach the classifier
  }
}

TEST(AnalyzerTest, AssumeFaceClassifiesTheWholeImage) {
  std::vector<cv::Size> sizes;
  Analyzer a(std::make_unique<FailingDetector>(), std::make_unique<FakeClassifier>(&sizes),
             AlignOptions{});
  const cv::Mat bright(48, 48, CV_8UC3, cv::Scalar::all(200));
  auto faces = a.Analyze(bright, /*assume_face=*/true);
  ASSERT_TRUE(faces.ok()) << faces.status().ToString();  // detector never called
  ASSERT_EQ(faces->size(), 1u);
  EXPECT_EQ((*faces)[0].emotion, Emotion::kHappy);
  EXPECT_FLOAT_EQ((*faces)[0].detection.box.w, 48);
  EXPECT_FLOAT_EQ((*faces)[0].detection.score, 1);
  EXPECT_EQ(sizes.at(0), cv::Size(48, 48));
  auto dark = a.Analyze(cv::Mat(48, 48, CV_8UC3, cv::Scalar::all(20)), true);
  ASSERT_TRUE(dark.ok());
  EXPECT_EQ((*dark)[0].emotion, Emotion::kSad);
}

TEST(AnalyzerTest, NoFaceIsAnEmptyListAndErrorsPropagate) {
  std::vector<cv::Size> sizes;
  auto det = BlazeFace();
  ASSERT_TRUE(det);
  Analyzer a(std::move(det), std::make_unique<FakeClassifier>(&sizes), AlignOptions{});
  auto none = a.Analyze(cv::Mat(480, 640, CV_8UC3, cv::Scalar::all(128)));
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  EXPECT_TRUE(a.Analyze(cv::Mat()).status().IsInvalidArgument());

  Analyzer broken(std::make_unique<FailingDetector>(), std::make_unique<FakeClassifier>(&sizes),
                  AlignOptions{});
  auto r = broken.Analyze(cv::Mat(10, 10, CV_8UC3, cv::Scalar::all(0)));
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsInternal());
}

TEST(AnalyzerTest, CreateReportsTheMissingModel) {
  AnalyzerOptions o;
  o.detector.model_path = "/nonexistent/bf.onnx";
  auto a = Analyzer::Create(o);
  ASSERT_FALSE(a.ok());
  EXPECT_TRUE(a.status().IsNotFound());
  EXPECT_NE(a.status().message().find("fetch_models.sh"), std::string::npos);

  o.detector.model_path = kBlazeFace;
  o.classifier.model_path = "/nonexistent/emotion.onnx";
  a = Analyzer::Create(o);
  ASSERT_FALSE(a.ok());
  EXPECT_TRUE(a.status().IsNotFound());
  EXPECT_NE(a.status().message().find("train_model.sh"), std::string::npos);
}

TEST(AnalyzerTest, RealModelsEndToEnd) {
  const std::string emotion = kSource + "/models/emotion/emotion.onnx";
  if (!std::filesystem::exists(emotion)) {
    MOODTUNE_SKIP_OR_FAIL(emotion << " is absent; run scripts/train_model.sh (release needs it)");
  }
  if (!std::filesystem::exists(kPhoto)) MOODTUNE_SKIP_OR_FAIL("install libdlib-dev");
  AnalyzerOptions o;
  o.detector.model_path = kBlazeFace;
  o.classifier.model_path = emotion;
  auto a = Analyzer::Create(o);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  auto img = ReadImageFile(kPhoto);
  ASSERT_TRUE(img.ok());
  auto faces = (*a)->Analyze(*img);
  ASSERT_TRUE(faces.ok()) << faces.status().ToString();
  EXPECT_EQ(faces->size(), 2u);
  for (const Face& f : *faces) {
    EXPECT_NEAR(std::accumulate(f.probabilities.begin(), f.probabilities.end(), 0.0f), 1, 1e-4);
    EXPECT_FLOAT_EQ(f.confidence, f.probabilities[static_cast<int>(f.emotion)]);
  }
  const cv::Mat annotated = Annotate(*img, *faces);
  EXPECT_EQ(annotated.size(), img->size());
}

}  // namespace
}  // namespace moodtune
