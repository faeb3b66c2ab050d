// Vision timings on fixed inputs, single thread (cv::setNumThreads(1) in main).
// Input photo: Debian dlib's Tom_Cruise_avp_2014_4.jpg (one face), centre-cropped to 4:3 and
// resized to 640x480, re-encoded as JPEG quality 90 in memory.
//   build-vision/bench/vision/vision_bench --benchmark_filter=BM_Detect
#include <benchmark/benchmark.h>

#include <filesystem>
#include <opencv2/core/utility.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <string>
#include <vector>

#include "moodtune/vision.h"

namespace moodtune {
namespace {

const std::string kSource = MOODTUNE_SOURCE_DIR;
const std::string kPhoto = "/usr/share/doc/libdlib19.1/examples/faces/Tom_Cruise_avp_2014_4.jpg";

AnalyzerOptions Options() {
  AnalyzerOptions o;
  o.detector.model_path = kSource + "/" + o.detector.model_path;
  o.classifier.model_path = kSource + "/" + o.classifier.model_path;
  return o;
}

cv::Mat Photo640x480() {
  cv::Mat img = cv::imread(kPhoto);
  if (img.empty()) return {};
  const int h = std::min(img.rows, img.cols * 3 / 4);
  const int w = h * 4 / 3;
  // Top part of the portrait, where the face is.
  cv::Mat crop = img(cv::Rect((img.cols - w) / 2, 0, w, h));
  cv::Mat out;
  cv::resize(crop, out, {640, 480}, 0, 0, cv::INTER_AREA);
  return out;
}

// front:1 is the shipped detector (front model first, "back" when it is unsure); front:0 is
// the "back" model alone (with its zoomed-out retry), the detector before issue 10.
void BM_Detect640x480(benchmark::State& state) {
  BlazeFaceOptions bo = Options().detector;
  bo.use_front = state.range(0) != 0;
  auto det = CreateBlazeFaceDetector(bo);
  const cv::Mat img = Photo640x480();
  if (!det.ok() || img.empty()) {
    state.SkipWithError(det.ok() ? "missing photo (libdlib-dev)" : det.status().ToString().c_str());
    return;
  }
  std::size_t faces = 0;
  double score = 0;
  for (auto _ : state) {
    auto r = (*det)->Detect(img);
    faces = r.ok() ? r->size() : 0;
    if (r.ok() && !r->empty()) score = r->front().score;
    benchmark::DoNotOptimize(faces);
  }
  state.counters["faces"] = static_cast<double>(faces);
  state.counters["score"] = score;
}
BENCHMARK(BM_Detect640x480)->ArgName("front")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// flip:1 is the shipped default (ClassifierOptions::flip_average): the crop and its mirror
// in one batch of two. onednn:1 is the shipped default backend where oneDNN is built in
// (ClassifierOptions::backend "auto"); onednn:0 is OpenCV DNN.
void BM_Classify48(benchmark::State& state) {
  ClassifierOptions co = Options().classifier;
  co.flip_average = state.range(0) != 0;
  co.backend = state.range(1) != 0 ? "onednn" : "opencv";
  auto cls = CreateEmotionClassifier(co);
  if (!cls.ok()) {
    state.SkipWithError(cls.status().ToString().c_str());
    return;
  }
  cv::Mat face(48, 48, CV_8UC1);
  cv::RNG(1).fill(face, cv::RNG::UNIFORM, 0, 256);
  for (auto _ : state) {
    auto p = (*cls)->Classify(face);
    benchmark::DoNotOptimize(p);
  }
}
BENCHMARK(BM_Classify48)
    ->ArgNames({"flip", "onednn"})
    ->ArgsProduct({{0, 1}, {0, 1}})
    ->Unit(benchmark::kMicrosecond);

void BM_AnalyzeJpeg640x480(benchmark::State& state) {
  auto analyzer = Analyzer::Create(Options());
  const cv::Mat img = Photo640x480();
  if (!analyzer.ok() || img.empty()) {
    state.SkipWithError(analyzer.ok() ? "missing photo" : analyzer.status().ToString().c_str());
    return;
  }
  std::vector<std::uint8_t> jpeg;
  cv::imencode(".jpg", img, jpeg, {cv::IMWRITE_JPEG_QUALITY, 90});
  std::size_t faces = 0;
  for (auto _ : state) {
    auto decoded = DecodeImage(jpeg);
    auto r = (*analyzer)->Analyze(*decoded);
    faces = r.ok() ? r->size() : 0;
    benchmark::DoNotOptimize(faces);
  }
  state.counters["faces"] = static_cast<double>(faces);
}
BENCHMARK(BM_AnalyzeJpeg640x480)->Unit(benchmark::kMillisecond);

// Parts of the pipeline, to see where the time goes.
void BM_DecodeJpeg640x480(benchmark::State& state) {
  const cv::Mat img = Photo640x480();
  if (img.empty()) {
    state.SkipWithError("missing photo");
    return;
  }
  std::vector<std::uint8_t> jpeg;
  cv::imencode(".jpg", img, jpeg, {cv::IMWRITE_JPEG_QUALITY, 90});
  for (auto _ : state) benchmark::DoNotOptimize(DecodeImage(jpeg));
}
BENCHMARK(BM_DecodeJpeg640x480)->Unit(benchmark::kMillisecond);

// The server's inputs (bench/server/matrix.sh): dlib's 2009_004587.jpg scaled to cover WxH and
// centre-cropped, JPEG quality 90, as tests/web/face_fixture makes them.
std::vector<std::uint8_t> FixtureJpeg(int w, int h) {
  const cv::Mat img = cv::imread("/usr/share/doc/libdlib19.1/examples/faces/2009_004587.jpg");
  if (img.empty()) return {};
  const double s = std::max(double(w) / img.cols, double(h) / img.rows);
  cv::Mat scaled;
  cv::resize(img, scaled, {}, s, s, s < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
  std::vector<std::uint8_t> jpeg;
  cv::imencode(".jpg", scaled(cv::Rect((scaled.cols - w) / 2, (scaled.rows - h) / 2, w, h)), jpeg,
               {cv::IMWRITE_JPEG_QUALITY, 90});
  return jpeg;
}

// reduced:0 is DecodeImage (full size); reduced:1 is what POST /recommend does,
// DecodeImageReduced with the server's kMinDecodeSide (1024).
void BM_DecodeFixtureJpeg(benchmark::State& state) {
  const auto jpeg = FixtureJpeg(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)));
  if (jpeg.empty()) {
    state.SkipWithError("missing photo (libdlib-dev)");
    return;
  }
  const bool reduced = state.range(2) != 0;
  for (auto _ : state) {
    if (reduced) {
      benchmark::DoNotOptimize(DecodeImageReduced(jpeg, {}, 1024));
    } else {
      benchmark::DoNotOptimize(DecodeImage(jpeg));
    }
  }
}
BENCHMARK(BM_DecodeFixtureJpeg)
    ->ArgNames({"w", "h", "reduced"})
    ->Args({640, 480, 0})
    ->Args({4032, 3024, 0})
    ->Args({4032, 3024, 1})
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace moodtune

int main(int argc, char** argv) {
  cv::setNumThreads(1);  // the figures are per core
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
