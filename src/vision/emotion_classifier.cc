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
  OnnxEmotionClassifier(const std::string& path, int copies) : nets_(path, copies) {}

  Result<EmotionProbs> Classify(const cv::Mat& face) const override {
    if (face.empty()) return Status::InvalidArgument("empty face crop");
    if (face.depth() != CV_8U) return Status::InvalidArgument("face crop must be 8-bit");
    try {
      cv::Mat gray = ToGray(face);
      if (gray.size() != cv::Size(kSide, kSide)) {
        cv::resize(gray, gray, {kSide, kSide}, 0, 0, cv::INTER_AREA);
      }
      cv::Mat blob(std::vector<int>{1, 1, kSide, kSide}, CV_32F);
      cv::Mat plane(kSide, kSide, CV_32F, blob.ptr<float>());
      gray.convertTo(plane, CV_32F, 1.0 / 127.5, -1.0);
      const cv::Mat out = nets_.Run([&](cv::dnn::Net& net) {
        net.setInput(blob);
        return net.forward().clone();
      });
      if (out.total() != kNumEmotions || out.depth() != CV_32F) {
        return Status::Internal("emotion model returned " + std::to_string(out.total()) +
                                " values, expected " + std::to_string(kNumEmotions));
      }
      EmotionProbs p{};
      std::copy_n(out.ptr<float>(), kNumEmotions, p.begin());
      return ToProbabilities(p);
    } catch (const cv::Exception& e) {
      return Status::Internal(std::string("emotion model: ") + e.what());
    }
  }

 private:
  NetPool nets_;
};

}  // namespace

Result<std::unique_ptr<EmotionClassifier>> CreateEmotionClassifier(const ClassifierOptions& opts) {
  MOODTUNE_RETURN_IF_ERROR(
      CheckModelFile(opts.model_path, "emotion",
                     "it is committed in the repository; rebuild it with scripts/train_model.sh"));
  try {
    return std::unique_ptr<EmotionClassifier>(
        std::make_unique<OnnxEmotionClassifier>(opts.model_path, opts.net_copies));
  } catch (const cv::Exception& e) {
    return Status::InvalidArgument("emotion: cannot load " + opts.model_path + ": " + e.what());
  }
}

}  // namespace moodtune
