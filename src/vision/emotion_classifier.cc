// The emotion CNN: through oneDNN when the model is a plain conv chain and this build has
// oneDNN (twice as fast, the same function), else through OpenCV DNN.
#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>
#include <numeric>
#include <opencv2/dnn.hpp>
#include <opencv2/imgproc.hpp>
#include <string>

#include "emotion_math.h"
#include "gray.h"
#include "model_file.h"
#include "moodtune/vision.h"
#include "net_pool.h"
#include "onednn_chain.h"
#include "conv_chain.h"

namespace moodtune {
namespace {

constexpr int kSide = 48;

// How one batch goes through the net: OpenCV DNN or oneDNN, behind the same call.
using Forward = std::function<Result<cv::Mat>(const cv::Mat& blob)>;

class OnnxEmotionClassifier final : public EmotionClassifier {
 public:
  OnnxEmotionClassifier(Forward forward, bool flip_average)
      : forward_(std::move(forward)), flip_average_(flip_average) {}

  Result<EmotionProbs> Classify(const cv::Mat& face) const override {
    if (face.empty()) return Status::InvalidArgument("empty face crop");
    if (face.depth() != CV_8U) return Status::InvalidArgument("face crop must be 8-bit");
    try {
      cv::Mat gray = ToGray(face);
      if (gray.size() != cv::Size(kSide, kSide)) {
        cv::resize(gray, gray, {kSide, kSide}, 0, 0, cv::INTER_AREA);
      }
      // With flip_average, one batch of two: the crop and its mirror.
      const int n = flip_average_ ? 2 : 1;
      cv::Mat blob(std::vector<int>{n, 1, kSide, kSide}, CV_32F);
      cv::Mat plane(kSide, kSide, CV_32F, blob.ptr<float>(0));
      gray.convertTo(plane, CV_32F, 1.0 / 127.5, -1.0);
      if (flip_average_) cv::flip(plane, cv::Mat(kSide, kSide, CV_32F, blob.ptr<float>(1)), 1);
      Result<cv::Mat> out = forward_(blob);
      if (!out.ok()) return out.status();
      if (out->total() != static_cast<std::size_t>(n * kNumEmotions) || out->depth() != CV_32F) {
        return Status::Internal("emotion model returned " + std::to_string(out->total()) +
                                " values, expected " + std::to_string(n * kNumEmotions));
      }
      EmotionProbs p{};
      std::copy_n(out->ptr<float>(), kNumEmotions, p.begin());
      p = ToProbabilities(p);
      if (flip_average_) {
        EmotionProbs q{};
        std::copy_n(out->ptr<float>() + kNumEmotions, kNumEmotions, q.begin());
        q = ToProbabilities(q);
        for (int i = 0; i < kNumEmotions; ++i) p[i] = (p[i] + q[i]) / 2;
      }
      return p;
    } catch (const cv::Exception& e) {
      return Status::Internal(std::string("emotion model: ") + e.what());
    }
  }

 private:
  Forward forward_;
  bool flip_average_;
};

Forward OpenCvForward(std::shared_ptr<NetPool> nets) {
  return [nets = std::move(nets)](const cv::Mat& blob) -> Result<cv::Mat> {
    return nets->Run([&](cv::dnn::Net& net) {
      net.setInput(blob);
      return net.forward().clone();
    });
  };
}

// oneDNN copies of the chain in `net`, one per pool slot; Unsupported when the model is not
// a plain conv chain or this build has no oneDNN.
Result<Forward> OneDnnForward(cv::dnn::Net& net, int copies, int batch) {
  Result<ConvChain> chain = ReadConvChain(net);
  if (!chain.ok()) return chain.status();
  if (chain->in_channels() != 1) return Status::Unsupported("emotion net input is not 1 channel");
  std::vector<std::unique_ptr<OneDnnChain>> runners;
  for (int i = 0; i < PoolSize(copies); ++i) {
    auto r = OneDnnChain::Create(*chain, batch, kSide, kSide);
    if (!r.ok()) return r.status();
    runners.push_back(std::move(r).value());
  }
  auto pool = std::make_shared<CopyPool<std::unique_ptr<OneDnnChain>>>(std::move(runners));
  return Forward([pool](const cv::Mat& blob) {
    return pool->Run([&](std::unique_ptr<OneDnnChain>& c) { return c->Run(blob); });
  });
}

}  // namespace

Result<std::unique_ptr<EmotionClassifier>> CreateEmotionClassifier(const ClassifierOptions& opts) {
  const std::string& backend = opts.backend;
  if (backend != "auto" && backend != "opencv" && backend != "onednn")
    return Status::InvalidArgument("emotion backend must be auto, opencv or onednn, not \"" +
                                   backend + "\"");
  auto path =
      FindModelFile(opts.model_path, "emotion",
                    "it is committed in the repository; rebuild it with scripts/train_model.sh");
  if (!path.ok()) return path.status();
  const int batch = opts.flip_average ? 2 : 1;
  try {
    if (backend != "opencv") {
      // The chain is read from one OpenCV parse; the runners copy its weights.
      cv::dnn::Net parsed = NetPool::Load(*path);
      Result<Forward> fast = OneDnnForward(parsed, opts.net_copies, batch);
      if (fast.ok()) {
        return std::unique_ptr<EmotionClassifier>(
            std::make_unique<OnnxEmotionClassifier>(std::move(fast).value(), opts.flip_average));
      }
      if (backend == "onednn")
        return Status(fast.status().code(), "emotion: " + *path + ": " + fast.status().message());
    }
    auto nets = std::make_shared<NetPool>(*path, opts.net_copies);
    return std::unique_ptr<EmotionClassifier>(
        std::make_unique<OnnxEmotionClassifier>(OpenCvForward(std::move(nets)), opts.flip_average));
  } catch (const cv::Exception& e) {
    return Status::InvalidArgument("emotion: cannot load " + *path + ": " + e.what());
  }
}

}  // namespace moodtune
