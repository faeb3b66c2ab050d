// The emotion CNN through OpenCV DNN.
#include <algorithm>
#include <cmath>
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

namespace moodtune {
namespace {

constexpr int kSide = 48;

class OnnxEmotionClassifier final : public EmotionClassifier {
 public:
  OnnxEmotionClassifier(const std::string& path, int copies, bool flip_average)
      : nets_(path, copies), flip_average_(flip_average) {}

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
      const cv::Mat out = nets_.Run([&](cv::dnn::Net& net) {
        net.setInput(blob);
        return net.forward().clone();
      });
      if (out.total() != static_cast<std::size_t>(n * kNumEmotions) || out.depth() != CV_32F) {
        return Status::Internal("emotion model returned " + std::to_string(out.total()) +
                                " values, expected " + std::to_string(n * kNumEmotions));
      }
      EmotionProbs p{};
      std::copy_n(out.ptr<float>(), kNumEmotions, p.begin());
      p = ToProbabilities(p);
      if (flip_average_) {
        EmotionProbs q{};
        std::copy_n(out.ptr<float>() + kNumEmotions, kNumEmotions, q.begin());
        q = ToProbabilities(q);
        for (int i = 0; i < kNumEmotions; ++i) p[i] = (p[i] + q[i]) / 2;
      }
      return p;
    } catch (const cv::Exception& e) {
      return Status::Internal(std::string("emotion model: ") + e.what());
    }
  }

 private:
  NetPool nets_;
  bool flip_average_;
};

}  // namespace

Result<std::unique_ptr<EmotionClassifier>> CreateEmotionClassifier(const ClassifierOptions& opts) {
  auto path =
      FindModelFile(opts.model_path, "emotion",
                    "it is committed in the repository; rebuild it with scripts/train_model.sh");
  if (!path.ok()) return path.status();
  try {
    return std::unique_ptr<EmotionClassifier>(
        std::make_unique<OnnxEmotionClassifier>(*path, opts.net_copies, opts.flip_average));
  } catch (const cv::Exception& e) {
    return Status::InvalidArgument("emotion: cannot load " + *path + ": " + e.what());
  }
}

}  // namespace moodtune
