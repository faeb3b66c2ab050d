// The emotion CNN: through oneDNN when the model is a plain conv chain and this build has
// oneDNN (the same function at a third of the CPU time), else through OpenCV DNN.
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
#include "side_thread.h"
#include "conv_chain.h"

namespace moodtune {
namespace {

constexpr int kSide = 48;

// How one batch goes through the net: OpenCV DNN or oneDNN, behind the same call.
using Forward = std::function<Result<cv::Mat>(const cv::Mat& blob)>;

class OnnxEmotionClassifier final : public EmotionClassifier {
 public:
  OnnxEmotionClassifier(Forward forward, bool flip_average, std::string backend)
      : forward_(std::move(forward)), flip_average_(flip_average), backend_(std::move(backend)) {}

  std::string Backend() const override { return backend_; }

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
  std::string backend_;
};

Forward OpenCvForward(std::shared_ptr<NetPool> nets) {
  return [nets = std::move(nets)](const cv::Mat& blob) -> Result<cv::Mat> {
    return nets->Run([&](cv::dnn::Net& net) {
      net.setInput(blob);
      return net.forward().clone();
    });
  };
}

// Waits for a SideThread job (ticket 0: none) when it goes out of scope.
struct WaitFor {
  SideThread& side;
  std::uint64_t ticket;
  WaitFor(SideThread& s, std::uint64_t t) : side(s), ticket(t) {}
  WaitFor(const WaitFor&) = delete;
  WaitFor& operator=(const WaitFor&) = delete;
  ~WaitFor() {
    if (ticket != 0) side.Wait(ticket);
  }
};

// The chain in the ONNX file at `path` through oneDNN: one-image runners sharing one copy of the weights, one
// per server worker (`copies`) and one for the spare thread. A batch of two (a crop and its
// mirror) is split across the caller and the spare thread when the spare is free, so a lone
// request uses both cores. Unsupported when the model is not a plain conv chain or this build
// has no oneDNN.
Result<Forward> OneDnnForward(const std::string& path, int copies) {
  Result<ConvChain> chain = ReadConvChainFile(path);
  if (!chain.ok()) return chain.status();
  if (chain->in_channels() != 1) return Status::Unsupported("emotion net input is not 1 channel");
  std::vector<std::unique_ptr<OneDnnChain>> runners;
  for (int i = 0; i < PoolSize(copies) + 1; ++i) {
    auto r = OneDnnChain::Create(*chain, 1, kSide, kSide, runners.empty() ? nullptr : runners[0].get());
    if (!r.ok()) return r.status();
    runners.push_back(std::move(r).value());
  }
  struct State {
    explicit State(std::vector<std::unique_ptr<OneDnnChain>> r) : pool(std::move(r)) {}
    CopyPool<std::unique_ptr<OneDnnChain>> pool;
    SideThread side;
  };
  auto state = std::make_shared<State>(std::move(runners));
  const int classes = chain->classes();
  return Forward([state, classes](const cv::Mat& blob) -> Result<cv::Mat> {
    const int n = blob.size[0];
    cv::Mat out(n, classes, CV_32F);
    const auto run_one = [&](int i) -> Status {
      const cv::Mat one(std::vector<int>{1, blob.size[1], blob.size[2], blob.size[3]}, CV_32F,
                        const_cast<float*>(blob.ptr<float>(i)));
      Result<cv::Mat> r =
          state->pool.Run([&](std::unique_ptr<OneDnnChain>& c) { return c->Run(one); });
      if (!r.ok()) return r.status();
      r->copyTo(out.row(i));
      return Status::Ok();
    };
    Status side_status;
    const std::uint64_t ticket =
        n == 2 ? state->side.TryStart([&] {
          try {
            side_status = run_one(1);
          } catch (const std::exception& e) {
            side_status = Status::Internal(std::string("emotion model: ") + e.what());
          }
        })
               : 0;
    {
      // The side job uses `blob`, `out` and `side_status`: wait for it before they go away,
      // however this scope is left (run_one may throw, e.g. std::bad_alloc).
      const WaitFor wait{state->side, ticket};
      Status status;
      for (int i = 0; i < n && status.ok(); ++i)
        if (!(ticket != 0 && i == 1)) status = run_one(i);
      if (!status.ok()) return status;
    }
    if (!side_status.ok()) return side_status;
    return out;
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
  try {
    if (backend != "opencv") {
      // The chain is read from the ONNX file itself (no OpenCV parse: 115 ms of start-up).
      Result<Forward> fast = OneDnnForward(*path, opts.net_copies);
      if (fast.ok()) {
        return std::unique_ptr<EmotionClassifier>(std::make_unique<OnnxEmotionClassifier>(
            std::move(fast).value(), opts.flip_average, "onednn"));
      }
      if (backend == "onednn")
        return Status(fast.status().code(), "emotion: " + *path + ": " + fast.status().message());
    }
    auto nets = std::make_shared<NetPool>(*path, opts.net_copies);
    return std::unique_ptr<EmotionClassifier>(std::make_unique<OnnxEmotionClassifier>(
        OpenCvForward(std::move(nets)), opts.flip_average, "opencv"));
  } catch (const cv::Exception& e) {
    return Status::InvalidArgument("emotion: cannot load " + *path + ": " + e.what());
  } catch (const std::exception& e) {
    return Status::Internal("emotion: cannot load " + *path + ": " + e.what());
  }
}

}  // namespace moodtune
