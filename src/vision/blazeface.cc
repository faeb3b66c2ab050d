// BlazeFace "back" (256x256) through OpenCV DNN. The ONNX graph (tf2onnx, via keijiro's
// Barracuda package) takes NHWC RGB in [-1, 1] and returns, per anchor layer, logits
// ("Identity:0" 512, "Identity_1:0" 384) and 16 regressors ("Identity_2:0", "Identity_3:0").
#include <algorithm>
#include <memory>
#include <opencv2/dnn.hpp>
#include <opencv2/imgproc.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "blazeface_math.h"
#include "model_file.h"
#include "moodtune/vision.h"
#include "net_pool.h"

namespace moodtune {
namespace {

constexpr int kSide = 256;

class BlazeFaceDetector final : public FaceDetector {
 public:
  explicit BlazeFaceDetector(const BlazeFaceOptions& opts)
      : nets_(opts.model_path, opts.net_copies),
        opts_(opts),
        anchors_(MakeAnchors(kBlazeFaceBackLayers)) {}

  Result<std::vector<Detection>> Detect(const cv::Mat& image) const override {
    if (image.empty()) return Status::InvalidArgument("empty image");
    if (image.depth() != CV_8U) return Status::InvalidArgument("image must be 8-bit");
    try {
      auto faces = DetectAt(image, 1.0f);
      // Close-ups (a face filling the photo) are outside the "back" model's range; look
      // again with the photo shrunk inside the square. Only when the first pass found
      // nothing, so group photos keep their single pass and false-positive rate.
      if (faces.empty() && opts_.retry_zoom_out > 1.0f)
        faces = DetectAt(image, opts_.retry_zoom_out);
      return faces;
    } catch (const cv::Exception& e) {
      return Status::Internal(std::string("BlazeFace: ") + e.what());
    } catch (const std::runtime_error& e) {
      return Status::Internal(e.what());
    }
  }

 private:
  std::vector<Detection> DetectAt(const cv::Mat& image, float zoom_out) const {
    const Letterbox lb = MakeLetterbox(image.cols, image.rows, kSide, zoom_out);
    const cv::Mat input = MakeInput(image, lb);
    const std::vector<cv::Mat> outs = nets_.Run([&](cv::dnn::Net& net) {
      std::vector<cv::Mat> o;
      net.setInput(input);
      net.forward(o, kOutputs);
      for (auto& m : o) m = m.clone();  // the net reuses its buffers on the next call
      return o;
    });
    std::vector<Candidate> all;
    for (int layer = 0; layer < 2; ++layer) {
      const cv::Mat& s = outs[layer];
      const cv::Mat& r = outs[layer + 2];
      const std::size_t offset = layer == 0 ? 0 : 512;
      if (s.total() + offset > anchors_.size() || r.total() != s.total() * kBlazeFaceValues) {
        throw std::runtime_error("unexpected BlazeFace output shape");
      }
      auto c =
          DecodeCandidates({s.ptr<float>(), s.total()}, {r.ptr<float>(), r.total()},
                           std::span(anchors_).subspan(offset, s.total()), kSide, opts_.min_score);
      all.insert(all.end(), c.begin(), c.end());
    }
    std::vector<Detection> faces;
    for (const Candidate& c : WeightedNms(std::move(all), opts_.nms_iou, opts_.max_faces)) {
      faces.push_back(ToDetection(c, lb, image.size()));
    }
    return faces;
  }

  inline static const std::vector<std::string> kOutputs = {"Identity:0", "Identity_1:0",
                                                           "Identity_2:0", "Identity_3:0"};

  // Letterboxed 1x256x256x3 float blob (NHWC, RGB, x/127.5 - 1; padding is black = -1).
  static cv::Mat MakeInput(const cv::Mat& image, const Letterbox& lb) {
    cv::Mat rgb;
    if (image.channels() == 1) {
      cv::cvtColor(image, rgb, cv::COLOR_GRAY2RGB);
    } else if (image.channels() == 4) {
      cv::cvtColor(image, rgb, cv::COLOR_BGRA2RGB);
    } else {
      cv::cvtColor(image, rgb, cv::COLOR_BGR2RGB);
    }
    cv::Mat resized;
    cv::resize(rgb, resized, {lb.resized_w, lb.resized_h}, 0, 0, cv::INTER_LINEAR);
    cv::Mat square(kSide, kSide, CV_8UC3, cv::Scalar::all(0));
    resized.copyTo(square(cv::Rect(static_cast<int>(lb.pad_x), static_cast<int>(lb.pad_y),
                                   lb.resized_w, lb.resized_h)));
    cv::Mat blob(std::vector<int>{1, kSide, kSide, 3}, CV_32F);
    cv::Mat hwc(kSide, kSide, CV_32FC3, blob.ptr<float>());  // view over the blob's data
    square.convertTo(hwc, CV_32F, 1.0 / 127.5, -1.0);
    return blob;
  }

  static Detection ToDetection(const Candidate& c, const Letterbox& lb, cv::Size size) {
    Detection d;
    const Point tl = MapToImage(lb, c.cx - c.w / 2, c.cy - c.h / 2);
    const Point br = MapToImage(lb, c.cx + c.w / 2, c.cy + c.h / 2);
    // Clip to the image: a face at the border must still crop inside it.
    const float x0 = std::clamp(tl.x, 0.0f, static_cast<float>(size.width));
    const float y0 = std::clamp(tl.y, 0.0f, static_cast<float>(size.height));
    const float x1 = std::clamp(br.x, 0.0f, static_cast<float>(size.width));
    const float y1 = std::clamp(br.y, 0.0f, static_cast<float>(size.height));
    d.box = {x0, y0, x1 - x0, y1 - y0};
    d.score = c.score;
    for (int k = 0; k < 6; ++k) d.keypoints[k] = MapToImage(lb, c.keypoints[k].x, c.keypoints[k].y);
    return d;
  }

  NetPool nets_;
  BlazeFaceOptions opts_;
  std::vector<Anchor> anchors_;
};

}  // namespace

Result<std::unique_ptr<FaceDetector>> CreateBlazeFaceDetector(const BlazeFaceOptions& opts) {
  MOODTUNE_RETURN_IF_ERROR(
      CheckModelFile(opts.model_path, "BlazeFace", "run scripts/fetch_models.sh to fetch it"));
  if (opts.min_score < 0 || opts.min_score > 1 || opts.nms_iou < 0 || opts.nms_iou > 1 ||
      opts.max_faces < 1) {
    return Status::InvalidArgument("BlazeFace options out of range");
  }
  try {
    return std::unique_ptr<FaceDetector>(std::make_unique<BlazeFaceDetector>(opts));
  } catch (const cv::Exception& e) {
    return Status::InvalidArgument("BlazeFace: cannot load " + opts.model_path + ": " + e.what());
  }
}

}  // namespace moodtune
