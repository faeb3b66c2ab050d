// device_int8_eval: the int8 emotion net (firmware core, int8_net.h) against the ONNX model
// on FER2013: top-1 agreement, accuracy of both, flash/RAM/MACs, host time per crop.
// Usage: device_int8_eval [stride=1] [calibration_per_class=64] [percentile=100] [model.cpp]
//        device_int8_eval dev [calibration_per_class=64] [train_stride=3]
//   the fixed-framing path on real photos, as the device runs it: no face detector, the core's
//   CentreCropGray (on_device.h) of each photo -> int8 net. The crop fraction is fitted on
//   faces-in-the-wild-train (every train_stride-th photo, best 7-class accuracy), then reported
//   on faces-in-the-wild-dev against the served path (BlazeFace, best face, FaceInput -> float
//   ONNX net: what the service classifies).
//        device_int8_eval ranges OUT.txt [calibration_per_class=64]
//   writes the calibration (one activation range per layer) that the build quantises with
//   (models/emotion/emotion_int8_ranges.txt).
// With a fourth argument it also writes the quantised net as C++ const arrays (for flash) that
// define `moodtune::device::kEmotionInt8Net`.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <cstdlib>
#include <vector>

#include "int8_data.h"
#include "int8_quantizer.h"
#include "moodtune_core/on_device.h"
#include "moodtune/vision.h"

using namespace moodtune::device;
using namespace moodtune::device::testing;

namespace {

// Dev photos: label folder names of the collection -> WireEmotion index; -1 = skipped.
int DevLabel(const std::string& folder) {
  const char* map[][2] = {{"anger", "angry"}, {"disgust", "disgust"}, {"fear", "fear"},
                          {"happiness", "happy"}, {"sadness", "sad"}, {"surprise", "surprise"},
                          {"neutral", "neutral"}};
  for (const auto& m : map) {
    if (folder != m[0]) continue;
    for (int e = 0; e < kNumWireEmotions; ++e)
      if (std::string(WireEmotionName(static_cast<WireEmotion>(e))) == m[1]) return e;
  }
  return -1;
}

struct Photos {
  std::vector<cv::Mat> gray;  // decoded as the simulator decodes (IMREAD_GRAYSCALE)
  std::vector<int> label;
  std::vector<std::filesystem::path> path;
};

Photos LoadPhotos(const std::filesystem::path& root, int stride) {
  Photos p;
  int k = 0;
  for (const auto& path : moodtune_test::ImagesUnder(root)) {
    const int label = DevLabel(path.parent_path().filename().string());
    if (label < 0 || k++ % stride != 0) continue;
    cv::Mat g = cv::imread(path.string(), cv::IMREAD_GRAYSCALE);
    if (g.empty()) continue;
    p.gray.push_back(g);
    p.label.push_back(label);
    p.path.push_back(path);
  }
  return p;
}

// 7-class accuracy and the mean per-class recall (classes present only) of predictions.
struct Score {
  double accuracy = 0, mean_recall = 0;
  std::string per_class;
};

Score ScoreOf(const std::vector<int>& pred, const std::vector<int>& label) {
  int right[kNumWireEmotions] = {}, total[kNumWireEmotions] = {}, all = 0;
  for (std::size_t i = 0; i < pred.size(); ++i) {
    ++total[label[i]];
    if (pred[i] == label[i]) ++right[label[i]], ++all;
  }
  Score s;
  s.accuracy = pred.empty() ? 0 : static_cast<double>(all) / pred.size();
  int classes = 0;
  char buf[64];
  for (int e = 0; e < kNumWireEmotions; ++e) {
    if (total[e] == 0) continue;
    ++classes;
    s.mean_recall += static_cast<double>(right[e]) / total[e];
    std::snprintf(buf, sizeof(buf), " %s %d/%d", WireEmotionName(static_cast<WireEmotion>(e)),
                  right[e], total[e]);
    s.per_class += buf;
  }
  if (classes > 0) s.mean_recall /= classes;
  return s;
}

// The device's path: CentreCropGray at `permille` -> int8 net, one prediction per photo.
std::vector<int> CentrePredictions(const QuantizedNet& q, const Photos& p, int permille,
                                   double* ms_per_photo) {
  std::vector<std::uint8_t> arena(OnDeviceArenaBytes(q.net));
  std::vector<int> pred;
  double ms = 0;
  for (const cv::Mat& g : p.gray) {
    const GrayImage img{g.data, static_cast<std::uint16_t>(g.cols),
                        static_cast<std::uint16_t>(g.rows), static_cast<std::uint32_t>(g.step)};
    int32_t logits[kNumWireEmotions];
    const auto t0 = std::chrono::steady_clock::now();
    pred.push_back(ReadEmotionOnDevice(q.net, img, static_cast<std::uint16_t>(permille),
                                       arena.data(), arena.size(), logits));
    ms += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  }
  if (ms_per_photo != nullptr) *ms_per_photo = p.gray.empty() ? 0 : ms / p.gray.size();
  return pred;
}

int RunDev(FloatNet& f, const QuantizedNet& q, int train_stride) {
  const Photos train = LoadPhotos(moodtune_test::DataDir() / "faces-in-the-wild-train", train_stride);
  const Photos dev = LoadPhotos(moodtune_test::DataDir() / "faces-in-the-wild-dev", 1);
  if (train.gray.empty() || dev.gray.empty()) {
    std::fprintf(stderr, "no faces-in-the-wild photos under %s\n", moodtune_test::DataDir().c_str());
    return 1;
  }
  // Fit the crop fraction on train (7-class accuracy of centre crop -> int8).
  const int grid[] = {500, 600, 700, 800, 900, 1000};
  int best = grid[0];
  double best_acc = -1;
  std::printf("fit on faces-in-the-wild-train: %zu photos (every %d-th, contempt skipped), centre crop -> int8\n",
              train.gray.size(), train_stride);
  for (const int permille : grid) {
    const Score s = ScoreOf(CentrePredictions(q, train, permille, nullptr), train.label);
    std::printf("  train centre %.2f: accuracy %.4f mean_recall %.4f\n", permille / 1000.0,
                s.accuracy, s.mean_recall);
    if (s.accuracy > best_acc) best_acc = s.accuracy, best = permille;
  }
  std::printf("chosen crop fraction %.2f (permille %d)\n", best / 1000.0, best);
  double ms = 0;
  const std::vector<int> centre = CentrePredictions(q, dev, best, &ms);
  const Score cs = ScoreOf(centre, dev.label);
  std::printf("dev %zu photos (contempt skipped), centre %.2f -> int8 (device path): accuracy %.4f "
              "mean_recall %.4f host_ms_per_photo %.2f\n  per class:%s\n",
              dev.gray.size(), best / 1000.0, cs.accuracy, cs.mean_recall, ms, cs.per_class.c_str());
  for (const int permille : grid) {  // for information only: not used to choose
    if (permille == best) continue;
    const Score s = ScoreOf(CentrePredictions(q, dev, permille, nullptr), dev.label);
    std::printf("  (dev centre %.2f -> int8: accuracy %.4f mean_recall %.4f, not used to choose)\n",
                permille / 1000.0, s.accuracy, s.mean_recall);
  }
  std::vector<std::uint8_t> arena(Int8ArenaBytes(q.net));
  const std::vector<std::filesystem::path>& paths = dev.path;
  const std::vector<int>& labels = dev.label;
  // The served path: detector + FaceInput (photos without a face are counted and skipped).
  moodtune::BlazeFaceOptions bo;
  bo.model_path = std::string(MOODTUNE_SOURCE_DIR) + "/models/blazeface/" +
                  "face_detection_back_256x256_barracuda.onnx";
  auto detector = moodtune::CreateBlazeFaceDetector(bo);
  if (!detector.ok()) {
    std::fprintf(stderr, "detector: %s\n", detector.status().ToString().c_str());
    return 1;
  }
  std::vector<cv::Mat> crops;
  std::vector<int> crop_labels;
  std::vector<bool> has_face(paths.size(), false);
  int no_face = 0;
  for (std::size_t i = 0; i < paths.size(); ++i) {
    auto bgr = moodtune::ReadImageFile(paths[i].string());
    if (!bgr.ok()) continue;
    auto faces = (*detector)->Detect(*bgr);
    if (!faces.ok() || faces->empty()) {
      ++no_face;
      continue;
    }
    crops.push_back(moodtune::FaceInput(*bgr, &faces->front()));
    has_face[i] = true;
    crop_labels.push_back(labels[i]);
  }
  const cv::Mat probs = FloatProbs(f, crops);
  int agree = 0, right_int8 = 0, right_float = 0;
  std::vector<int> float_pred;
  for (std::size_t i = 0; i < crops.size(); ++i) {
    int32_t logits[kNumWireEmotions];
    const int top = RunInt8Net(q.net, crops[i].ptr<std::uint8_t>(), arena.data(), arena.size(), logits);
    cv::Point maxloc;
    cv::minMaxLoc(probs.row(static_cast<int>(i)), nullptr, nullptr, nullptr, &maxloc);
    float_pred.push_back(maxloc.x);
    agree += top == maxloc.x;
    right_int8 += top == crop_labels[i];
    right_float += maxloc.x == crop_labels[i];
  }
  const double n = static_cast<double>(crops.size());
  std::printf("aligned (BlazeFace + FaceInput, single crop, no flip): %zu crops, %d without a face: "
              "accuracy_int8 %.4f accuracy_float %.4f top1_agreement %.4f\n",
              crops.size(), no_face, right_int8 / n, right_float / n, agree / n);
  // The served path over all dev photos (a photo without a face counts as wrong), against the
  // device path on the same photos.
  std::vector<int> served(paths.size(), -1);
  for (std::size_t i = 0, c = 0; i < paths.size(); ++i)
    if (has_face[i]) served[i] = float_pred[c++];
  const Score ss = ScoreOf(served, labels);
  int same = 0;
  for (std::size_t i = 0; i < paths.size(); ++i) same += served[i] == centre[i];
  std::printf("dev %zu photos, detector crop -> float (served path): accuracy %.4f mean_recall %.4f\n"
              "  per class:%s\ndevice path vs served path: %.4f accuracy points, same class on %.4f of photos\n",
              paths.size(), ss.accuracy, ss.mean_recall, ss.per_class.c_str(),
              100.0 * (cs.accuracy - ss.accuracy), static_cast<double>(same) / paths.size());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const bool dev = argc > 1 && std::string(argv[1]) == "dev";
  const bool ranges = argc > 2 && std::string(argv[1]) == "ranges";
  const int stride = argc > 1 && !dev ? std::atoi(argv[1]) : 1;
  const int calib_per_class = ranges ? (argc > 3 ? std::atoi(argv[3]) : 64)
                                     : (argc > 2 ? std::atoi(argv[2]) : 64);
  QuantizeOptions qo;
  if (argc > 3 && !dev && !ranges) qo.percentile = std::atof(argv[3]);
  FloatNet f;
  std::string error;
  if (!LoadFloatNet(EmotionOnnxPath(), &f, &error)) {
    std::fprintf(stderr, "model: %s\n", error.c_str());
    return 1;
  }
  const Crops calib = LoadFer("train", 1, calib_per_class);
  if (calib.gray.empty()) {
    std::fprintf(stderr, "no FER2013 data under %s\n", moodtune_test::DataDir().c_str());
    return 1;
  }
  if (ranges) {
    if (!WriteRanges(argv[2], CalibrateRanges(f, calib.gray, qo))) {
      std::fprintf(stderr, "cannot write %s\n", argv[2]);
      return 1;
    }
    return 0;
  }
  if (dev) {
    const int train_stride = argc > 3 ? std::max(1, std::atoi(argv[3])) : 3;
    const QuantizedNet q = Quantize(f, calib.gray, qo);
    return RunDev(f, q, train_stride);
  }
  const Crops val = LoadFer("validation", stride, 0);
  if (calib.gray.empty() || val.gray.empty()) {
    std::fprintf(stderr, "no FER2013 data under %s\n", moodtune_test::DataDir().c_str());
    return 1;
  }
  const QuantizedNet q = Quantize(f, calib.gray, qo);
  if (argc > 4 && !WriteModelSource(q, argv[4])) {
    std::fprintf(stderr, "cannot write %s\n", argv[4]);
    return 1;
  }
  const cv::Mat probs = FloatProbs(f, val.gray);
  std::vector<std::uint8_t> arena(Int8ArenaBytes(q.net));
  int agree = 0, right_int8 = 0, right_float = 0;
  double ms = 0;
  for (std::size_t i = 0; i < val.gray.size(); ++i) {
    int32_t logits[kNumWireEmotions];
    const auto t0 = std::chrono::steady_clock::now();
    const int top = RunInt8Net(q.net, val.gray[i].ptr<std::uint8_t>(), arena.data(), arena.size(), logits);
    ms += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    cv::Point maxloc;
    cv::minMaxLoc(probs.row(static_cast<int>(i)), nullptr, nullptr, nullptr, &maxloc);
    agree += top == maxloc.x;
    right_int8 += top == val.label[i];
    right_float += maxloc.x == val.label[i];
  }
  const double n = static_cast<double>(val.gray.size());
  std::printf("crops %zu (fer2013/validation, stride %d), calibration %zu fer2013/train crops, percentile %.3f\n",
              val.gray.size(), stride, calib.gray.size(), qo.percentile);
  std::printf("top1_agreement %.4f\naccuracy_int8 %.4f\naccuracy_float %.4f\n", agree / n,
              right_int8 / n, right_float / n);
  std::size_t params = q.dense_weights.size() + q.dense_bias.size();
  for (std::size_t i = 0; i < q.weights.size(); ++i) params += q.weights[i].size() + q.bias[i].size();
  std::printf("parameters %zu\n", params);
  std::printf("flash_bytes %zu\narena_bytes %zu\nmacs_per_crop %llu\nhost_ms_per_crop %.2f\n",
              q.FlashBytes(), arena.size(), static_cast<unsigned long long>(Int8NetMacs(q.net)),
              ms / n);
  return 0;
}
