#include <chrono>
#include <future>
#include <system_error>
#include <utility>

#include "moodtune/vision.h"

namespace moodtune {

Result<std::unique_ptr<Analyzer>> Analyzer::Create(const AnalyzerOptions& opts) {
  // Issue 12 (ready time): the detector loads on a second thread while the emotion net loads
  // here (about 20 ms less before /readyz); on this thread when no thread is to be had.
  const auto make_detector = [&opts] { return CreateBlazeFaceDetector(opts.detector); };
  std::future<Result<std::unique_ptr<FaceDetector>>> pending;
  try {
    pending = std::async(std::launch::async, make_detector);
  } catch (const std::system_error&) {
    pending = std::async(std::launch::deferred, make_detector);
  }
  auto classifier = CreateEmotionClassifier(opts.classifier);
  auto detector = pending.get();
  if (!detector.ok()) return detector.status();
  if (!classifier.ok()) return classifier.status();
  return std::make_unique<Analyzer>(std::move(detector).value(), std::move(classifier).value(),
                                    opts.align);
}

std::string Analyzer::Describe() const { return "emotion net: " + classifier_->Backend(); }

Analyzer::Analyzer(std::unique_ptr<FaceDetector> detector,
                   std::unique_ptr<EmotionClassifier> classifier, AlignOptions align)
    : detector_(std::move(detector)), classifier_(std::move(classifier)), align_(align) {}

Result<std::vector<Face>> Analyzer::Analyze(const cv::Mat& bgr, bool assume_face,
                                            AnalyzeTimings* timings) const {
  if (bgr.empty()) return Status::InvalidArgument("empty image");
  AnalyzeTimings local;
  AnalyzeTimings& t = timings ? *timings : local;
  auto since = [](std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  auto start = std::chrono::steady_clock::now();
  std::vector<Detection> detections;
  if (assume_face) {
    Detection whole;
    whole.box = {0, 0, static_cast<float>(bgr.cols), static_cast<float>(bgr.rows)};
    whole.score = 1;
    detections.push_back(whole);
  } else {
    auto found = detector_->Detect(bgr);
    if (!found.ok()) return found.status();
    detections = std::move(found).value();
  }
  t.detect = since(start);
  std::vector<Face> faces;
  faces.reserve(detections.size());
  for (const Detection& d : detections) {
    // A pre-cropped face is classified as it is: alignment's margin would shrink it.
    start = std::chrono::steady_clock::now();
    const cv::Mat crop = FaceInput(bgr, assume_face ? nullptr : &d, align_);
    t.align += since(start);
    if (crop.empty()) continue;  // degenerate box
    start = std::chrono::steady_clock::now();
    auto probs = classifier_->Classify(crop);
    t.classify += since(start);
    if (!probs.ok()) return probs.status();
    Face f;
    f.detection = d;
    f.probabilities = *probs;
    f.emotion = TopEmotion(f.probabilities);
    f.confidence = f.probabilities[static_cast<int>(f.emotion)];
    faces.push_back(f);
  }
  return faces;
}

}  // namespace moodtune
