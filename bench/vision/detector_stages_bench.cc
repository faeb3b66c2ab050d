// Issue 12: where the detector's time goes, stage by stage, on the server benchmark's photo.
// Input: dlib's 2009_004587.jpg scaled to cover 640x480 and centre-cropped, JPEG quality 90,
// decoded again (what `face_fixture --size 640x480` makes for bench/server/matrix.sh).
//   build/bench/vision/detector_stages_bench
// Stages: pre-processing (letterbox + blob), each net's forward pass (OpenCV threads 1 or 2),
// post-processing (anchor decoding + weighted NMS), and the whole Detect with the path it took.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <opencv2/core/utility.hpp>
#include <opencv2/dnn.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <string>
#include <vector>

#include "blazeface_graph.h"
#include "blazeface_input.h"
#include "blazeface_math.h"
#include "moodtune/vision.h"
#include "net_pool.h"
#include "onednn_blaze.h"

namespace moodtune {
namespace {

const std::string kSource = MOODTUNE_SOURCE_DIR;
const std::string kPhoto = "/usr/share/doc/libdlib19.1/examples/faces/2009_004587.jpg";
const std::string kBack = kSource + "/models/blazeface/face_detection_back_256x256_barracuda.onnx";
const std::string kFront = kSource + "/models/blazeface/" + kBlazeFaceFrontFile;
const std::vector<std::string> kOutputs = {"Identity:0", "Identity_1:0", "Identity_2:0",
                                           "Identity_3:0"};

// The server benchmark's 640x480 photo, as face_fixture makes it (empty when dlib is missing).
cv::Mat BenchPhoto() {
  const cv::Mat img = cv::imread(kPhoto, cv::IMREAD_COLOR);
  if (img.empty()) return {};
  const double scale = std::max(640.0 / img.cols, 480.0 / img.rows);
  cv::Mat scaled;
  cv::resize(img, scaled, {}, scale, scale, scale < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
  const cv::Mat frame =
      scaled(cv::Rect((scaled.cols - 640) / 2, (scaled.rows - 480) / 2, 640, 480)).clone();
  std::vector<std::uint8_t> jpeg;
  cv::imencode(".jpg", frame, jpeg, {cv::IMWRITE_JPEG_QUALITY, 90});
  return cv::imdecode(jpeg, cv::IMREAD_COLOR);
}

// The pre-processing before issue 12's change: full-size colour conversion, resize, pad,
// convert. Kept here only as the A side of BM_Preprocess.
cv::Mat OldInput(const cv::Mat& image, const Letterbox& lb) {
  const int side = lb.side;
  cv::Mat rgb;
  cv::cvtColor(image, rgb, cv::COLOR_BGR2RGB);
  cv::Mat resized;
  cv::resize(rgb, resized, {lb.resized_w, lb.resized_h}, 0, 0,
             lb.resized_w < image.cols ? cv::INTER_AREA : cv::INTER_LINEAR);
  cv::Mat square(side, side, CV_8UC3, cv::Scalar::all(0));
  resized.copyTo(square(cv::Rect(static_cast<int>(lb.pad_x), static_cast<int>(lb.pad_y),
                                 lb.resized_w, lb.resized_h)));
  cv::Mat blob(std::vector<int>{1, side, side, 3}, CV_32F);
  cv::Mat hwc(side, side, CV_32FC3, blob.ptr<float>());
  square.convertTo(hwc, CV_32F, 1.0 / 127.5, -1.0);
  return blob;
}

int Side(int model) { return model == 0 ? 128 : 256; }

// model: 0 front (128), 1 back (256); variant: 0 before issue 12, 1 BlazeFaceInput.
void BM_Preprocess(benchmark::State& state) {
  const cv::Mat img = BenchPhoto();
  if (img.empty()) {
    state.SkipWithError("missing photo (libdlib-dev)");
    return;
  }
  const Letterbox lb = MakeLetterbox(img.cols, img.rows, Side(state.range(0)));
  for (auto _ : state) {
    cv::Mat blob = state.range(1) == 0 ? OldInput(img, lb) : BlazeFaceInput(img, lb);
    benchmark::DoNotOptimize(blob.data);
  }
}
BENCHMARK(BM_Preprocess)
    ->ArgNames({"model", "variant"})
    ->ArgsProduct({{0, 1}, {0, 1}})
    ->Unit(benchmark::kMicrosecond);

// model: 0 front, 1 back; threads: OpenCV's threads inside the forward pass; onednn: 1 runs
// the graph with oneDNN (BlazeFaceOptions::backend "auto" where the build has it; always one
// thread), 0 with OpenCV DNN.
void BM_Forward(benchmark::State& state) {
  const cv::Mat img = BenchPhoto();
  const std::string& path = state.range(0) == 0 ? kFront : kBack;
  if (img.empty()) {
    state.SkipWithError("missing photo (libdlib-dev)");
    return;
  }
  const cv::Mat blob = BlazeFaceInput(img, MakeLetterbox(img.cols, img.rows, Side(state.range(0))));
  if (state.range(2) != 0) {
    auto graph = ReadBlazeGraph(path);
    if (!graph.ok()) {
      state.SkipWithError(graph.status().ToString().c_str());
      return;
    }
    auto runner = OneDnnBlaze::Create(*graph);
    if (!runner.ok()) {
      state.SkipWithError(runner.status().ToString().c_str());
      return;
    }
    for (auto _ : state) {
      auto outs = (*runner)->Run(blob);
      benchmark::DoNotOptimize(outs.ok());
    }
    return;
  }
  cv::dnn::Net net = cv::dnn::readNetFromONNX(path);
  if (net.empty()) {
    state.SkipWithError("missing model");
    return;
  }
  cv::setNumThreads(static_cast<int>(state.range(1)));
  std::vector<cv::Mat> outs;
  net.setInput(blob);
  net.forward(outs, kOutputs);  // first run allocates
  for (auto _ : state) {
    net.setInput(blob);
    net.forward(outs, kOutputs);
    benchmark::DoNotOptimize(outs.data());
  }
  // Share of the time in convolutions (OpenCV's per-layer profile of the last run).
  std::vector<double> per_layer;
  const double total = static_cast<double>(net.getPerfProfile(per_layer));
  double conv = 0;
  const std::vector<std::string> names = net.getLayerNames();
  for (std::size_t i = 0; i < per_layer.size() && i < names.size(); ++i) {
    const auto layer = net.getLayer(static_cast<int>(i + 1));
    if (layer && layer->type == "Convolution") conv += per_layer[i];
  }
  state.counters["conv_share"] = total > 0 ? conv / total : 0;
  cv::setNumThreads(1);
}
BENCHMARK(BM_Forward)
    ->ArgNames({"model", "threads", "onednn"})
    ->Args({0, 1, 0})
    ->Args({0, 2, 0})
    ->Args({0, 1, 1})
    ->Args({1, 1, 0})
    ->Args({1, 2, 0})
    ->Args({1, 1, 1})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// Anchor decoding and weighted NMS on the net's real output for the bench photo.
void BM_Postprocess(benchmark::State& state) {
  const cv::Mat img = BenchPhoto();
  cv::dnn::Net net = cv::dnn::readNetFromONNX(state.range(0) == 0 ? kFront : kBack);
  if (img.empty() || net.empty()) {
    state.SkipWithError("missing photo or model");
    return;
  }
  const int side = Side(state.range(0));
  net.setInput(BlazeFaceInput(img, MakeLetterbox(img.cols, img.rows, side)));
  std::vector<cv::Mat> outs;
  net.forward(outs, kOutputs);
  const std::vector<Anchor> anchors = MakeAnchors(kBlazeFaceBackLayers);
  std::size_t n = 0;
  for (auto _ : state) {
    std::vector<Candidate> all;
    for (int layer = 0; layer < 2; ++layer) {
      const cv::Mat& s = outs[layer];
      const cv::Mat& r = outs[layer + 2];
      auto c = DecodeCandidates({s.ptr<float>(), s.total()}, {r.ptr<float>(), r.total()},
                                std::span(anchors).subspan(layer == 0 ? 0 : 512, s.total()),
                                side, 0.4f);
      all.insert(all.end(), c.begin(), c.end());
    }
    n = WeightedNms(std::move(all), 0.3f, 64).size();
    benchmark::DoNotOptimize(n);
  }
  state.counters["faces"] = static_cast<double>(n);
}
BENCHMARK(BM_Postprocess)->ArgName("model")->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

// The whole detector as shipped (front:1) and "back" only (front:0), with the path taken:
// front_score/front_size are the front pass's best face (score, share of the long side).
// onednn: 1 = BlazeFaceOptions::backend "onednn" (what "auto" picks where the build has it),
// 0 = "opencv" (threads: OpenCV's threads inside each forward pass).
void BM_DetectBenchPhoto(benchmark::State& state) {
  const cv::Mat img = BenchPhoto();
  BlazeFaceOptions o;
  o.model_path = kBack;
  o.use_front = state.range(0) != 0;
  o.net_copies = 1;
  o.backend = state.range(2) != 0 ? "onednn" : "opencv";
  auto det = CreateBlazeFaceDetector(o);
  if (img.empty() || !det.ok()) {
    state.SkipWithError(det.ok() ? "missing photo (libdlib-dev)" : det.status().ToString().c_str());
    return;
  }
  cv::setNumThreads(static_cast<int>(state.range(1)));
  std::size_t faces = 0;
  for (auto _ : state) {
    auto r = (*det)->Detect(img);
    faces = r.ok() ? r->size() : 0;
    benchmark::DoNotOptimize(faces);
  }
  cv::setNumThreads(1);
  state.counters["faces"] = static_cast<double>(faces);
  // Which path: the front pass alone, as the detector runs it.
  cv::dnn::Net front = cv::dnn::readNetFromONNX(kFront);
  const Letterbox lb = MakeLetterbox(img.cols, img.rows, 128);
  front.setInput(BlazeFaceInput(img, lb));
  std::vector<cv::Mat> outs;
  front.forward(outs, kOutputs);
  const std::vector<Anchor> anchors = MakeAnchors(kBlazeFaceBackLayers);
  std::vector<Candidate> all;
  for (int layer = 0; layer < 2; ++layer) {
    const cv::Mat& s = outs[layer];
    const cv::Mat& r = outs[layer + 2];
    auto c = DecodeCandidates({s.ptr<float>(), s.total()}, {r.ptr<float>(), r.total()},
                              std::span(anchors).subspan(layer == 0 ? 0 : 512, s.total()), 128,
                              0.1f);
    all.insert(all.end(), c.begin(), c.end());
  }
  const auto best = WeightedNms(std::move(all), 0.3f, 1);
  if (!best.empty()) {
    state.counters["front_score"] = best[0].score;
    state.counters["front_size"] = std::max(best[0].w, best[0].h) * lb.side /
                                   lb.scale / std::max(img.cols, img.rows);
  }
}
BENCHMARK(BM_DetectBenchPhoto)
    ->ArgNames({"front", "threads", "onednn"})
    ->Args({0, 1, 0})
    ->Args({0, 2, 0})
    ->Args({0, 1, 1})
    ->Args({1, 1, 0})
    ->Args({1, 2, 0})
    ->Args({1, 1, 1})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// How many photos the front pass answers alone, under the rule before issue 12 (confident
// and >= 20% of the long side), with 10% instead of 20%, and as shipped (10%, or any face
// >= 20%). set: 0 = faces-in-the-wild-dev (../shared/data), 1 = dlib's example photos.
// The front faces are what a detector that always takes them returns (back runs only when
// the front pass finds nothing); counted once, not timed.
void BM_FrontPassShare(benchmark::State& state) {
  namespace fs = std::filesystem;
  const fs::path dir = state.range(0) == 0
                           ? fs::path(kSource) / "../shared/data/faces-in-the-wild-dev"
                           : fs::path("/usr/share/doc/libdlib19.1/examples/faces");
  std::vector<fs::path> files;
  if (fs::exists(dir))
    for (const auto& e : fs::recursive_directory_iterator(dir))
      if (e.path().extension() == ".jpg") files.push_back(e.path());
  BlazeFaceOptions o;
  o.model_path = kBack;
  o.net_copies = 1;
  o.front_confident_score = 0;  // every front face passes: the front pass's own answer
  o.front_accept_face = 0;
  auto det = CreateBlazeFaceDetector(o);
  if (files.empty() || !det.ok()) {
    state.SkipWithError(det.ok() ? "no photos" : det.status().ToString().c_str());
    return;
  }
  const BlazeFaceOptions d;  // the shipped thresholds
  int before = 0, ten = 0, now = 0, photos = 0;
  for (auto _ : state) {
    for (const auto& f : files) {
      auto img = ReadImageFile(f.string());
      if (!img.ok()) continue;
      auto front = (*det)->Detect(*img);
      if (!front.ok()) continue;
      ++photos;
      const float c = d.front_confident_score;
      before += FrontPassSuffices(*front, img->cols, img->rows, c, 0.2f, 2.0f) ? 1 : 0;
      ten += FrontPassSuffices(*front, img->cols, img->rows, c, d.front_accept_face, 2.0f) ? 1 : 0;
      now += FrontPassSuffices(*front, img->cols, img->rows, c, d.front_accept_face,
                               d.front_small_face)
                 ? 1
                 : 0;
    }
  }
  state.counters["photos"] = photos;
  state.counters["front_only_before"] = before;
  state.counters["front_only_10pct"] = ten;
  state.counters["front_only_now"] = now;
}
BENCHMARK(BM_FrontPassShare)->ArgName("set")->Arg(0)->Arg(1)->Iterations(1)->Unit(benchmark::kSecond);

// Start-up (issue 12's "ready in 0.3 s"): one readNetFromONNX per model (0 front, 1 back,
// 2 emotion), and the whole Analyzer as the server builds it (one copy of each net per core).
void BM_LoadNet(benchmark::State& state) {
  const std::string path = state.range(0) == 0   ? kFront
                           : state.range(0) == 1 ? kBack
                                                 : kSource + "/models/emotion/emotion.onnx";
  for (auto _ : state) {
    cv::dnn::Net net = cv::dnn::readNetFromONNX(path);
    benchmark::DoNotOptimize(net.empty());
  }
}
BENCHMARK(BM_LoadNet)->ArgName("model")->DenseRange(0, 2)->Unit(benchmark::kMillisecond);

// The server's two copies of a net (model: 1 "back", 2 emotion): parsed one after the other
// (parallel:0, before issue 12) or by NetPool, one thread per copy (parallel:1).
void BM_LoadTwoCopies(benchmark::State& state) {
  const std::string path = state.range(0) == 1 ? kBack : kSource + "/models/emotion/emotion.onnx";
  for (auto _ : state) {
    if (state.range(1) == 0) {
      for (int i = 0; i < 2; ++i) benchmark::DoNotOptimize(cv::dnn::readNetFromONNX(path).empty());
    } else {
      NetPool pool(path, 2);
      benchmark::DoNotOptimize(pool.size());
    }
  }
}
BENCHMARK(BM_LoadTwoCopies)
    ->ArgNames({"model", "parallel"})
    ->ArgsProduct({{1, 2}, {0, 1}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_AnalyzerCreate(benchmark::State& state) {
  AnalyzerOptions o;
  o.detector.model_path = kBack;
  o.classifier.model_path = kSource + "/" + o.classifier.model_path;
  for (auto _ : state) {
    auto a = Analyzer::Create(o);
    if (!a.ok()) {
      state.SkipWithError(a.status().ToString().c_str());
      return;
    }
  }
}
BENCHMARK(BM_AnalyzerCreate)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace moodtune

int main(int argc, char** argv) {
  cv::setNumThreads(1);  // each benchmark sets its own where it says "threads"
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
