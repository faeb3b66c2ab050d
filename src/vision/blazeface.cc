// BlazeFace (through oneDNN or OpenCV DNN, blazeface_net.h): the "front" (128x128, short range)
// model first, then the "back" (256x256) model when the front faces are unsure or small, or there
// are none. Both ONNX graphs (tf2onnx, via keijiro's Barracuda package) take NHWC RGB in [-1, 1]
// and return, per anchor layer, logits ("Identity:0" 512, "Identity_1:0" 384) and 16 regressors
// ("Identity_2:0", "Identity_3:0"); both use the same 16x16x2 + 8x8x6 anchor grid.
#include <algorithm>
#include <filesystem>
#include <memory>
#include <opencv2/imgproc.hpp>
#include <string>
#include <vector>

#include "blazeface_input.h"
#include "blazeface_math.h"
#include "blazeface_net.h"
#include "model_file.h"
#include "moodtune/vision.h"

namespace moodtune {
namespace {

constexpr int kBackSide = 256;
constexpr int kFrontSide = 128;

class BlazeFaceDetector final : public FaceDetector {
 public:
  // `front` may be null (use_front off).
  BlazeFaceDetector(const BlazeFaceOptions& opts, std::unique_ptr<BlazeFaceNet> back,
                    std::unique_ptr<BlazeFaceNet> front)
      : nets_(std::move(back)),
        front_(std::move(front)),
        opts_(opts),
        anchors_(MakeAnchors(kBlazeFaceBackLayers)) {}

  Result<std::vector<Detection>> Detect(const cv::Mat& image) const override {
    if (image.empty()) return Status::InvalidArgument("empty image");
    if (image.depth() != CV_8U) return Status::InvalidArgument("image must be 8-bit");
    try {
      // Issue 10: the "back" model is made for small faces; on close-ups its boxes wandered
      // (mean 7.5% of the face width between a dev photo and its mirror) and it took chins
      // and ears for faces. The short-range model is made for faces that fill the frame, and
      // it is 4x cheaper: try it first. Group photos (small faces) fall through to "back".
      const float long_side = static_cast<float>(std::max(image.cols, image.rows));
      // "Large": at least front_small_face of the long side, the front model's own range.
      const auto large = [&](const Detection& d) {
        return std::max(d.box.w, d.box.h) >= opts_.front_small_face * long_side;
      };
      const auto confident = [&](const Detection& d) {
        return d.score >= opts_.front_confident_score;
      };
      std::vector<Detection> front;
      if (front_) {
        auto found = DetectAt(image, *front_, kFrontSide, 1.0f,
                              std::min(opts_.front_min_score, opts_.closeup_min_score));
        if (!found.ok()) return found.status();
        front = std::move(found).value();
        // Below front_min_score only a close-up counts (the camera case: one face filling the
        // photo), and only when nothing scored higher.
        const bool strong = std::any_of(front.begin(), front.end(), [&](const Detection& d) {
          return d.score >= opts_.front_min_score;
        });
        std::erase_if(front, [&](const Detection& d) {
          return d.score < opts_.front_min_score &&
                 (strong || std::max(d.box.w, d.box.h) < opts_.closeup_fraction * long_side);
        });
        // The common camera case: confident faces, not tiny, or large faces (which the merge
        // below keeps whatever "back" finds). One cheap pass, done.
        if (FrontPassSuffices(front, image.cols, image.rows, opts_.front_confident_score,
                              opts_.front_accept_face, opts_.front_small_face))
          return front;
      }
      auto found = DetectAt(image, *nets_, kBackSide, 1.0f, opts_.min_score);
      if (!found.ok()) return found.status();
      std::vector<Detection> back = std::move(found).value();
      if (!front_) {
        // Close-ups are outside the "back" model's range at 1:1: look again with the photo
        // shrunk inside the square. (With the front model this pass is not needed: it sees
        // close-ups itself, and the zoomed-out look found only false faces, such as a dog's
        // muzzle in dlib's dogs.jpg.)
        if (back.empty() && opts_.retry_zoom_out > 1.0f)
          return DetectAt(image, *nets_, kBackSide, opts_.retry_zoom_out, opts_.min_score);
        return back;
      }
      // Small unsure front faces (a cheek, a pattern in a crowd) stay only when "back", the
      // model made for small faces, finds them too. Large ones are the front model's own
      // range and stay.
      std::vector<Detection> faces;
      for (const Detection& f : front) {
        if (confident(f) || large(f) || Overlaps(f, back)) faces.push_back(f);
      }
      // Faces only "back" sees (small ones in a group) are added; where both see a small face,
      // the higher score's box wins ("back" is the model made for small faces).
      for (const Detection& b : back) {
        // A small "back" box inside a kept face (a chin, an ear) has a low IoU with it but is
        // the same face: half of its area inside counts as the same.
        auto same = std::find_if(faces.begin(), faces.end(), [&](const Detection& f) {
          return IoU(f.box, b.box) >= opts_.nms_iou || InsideShare(b.box, f.box) >= 0.5f;
        });
        if (same == faces.end()) {
          faces.push_back(b);
        } else if (!large(*same) && b.score > same->score) {
          *same = b;
        }
      }
      std::stable_sort(faces.begin(), faces.end(),
                       [](const Detection& a, const Detection& b) { return a.score > b.score; });
      if (static_cast<int>(faces.size()) > opts_.max_faces) faces.resize(opts_.max_faces);
      return faces;
    } catch (const cv::Exception& e) {
      return Status::Internal(std::string("BlazeFace: ") + e.what());
    }
  }

 private:
  // Throws cv::Exception from the pre-processing (Detect catches it).
  Result<std::vector<Detection>> DetectAt(const cv::Mat& image, const BlazeFaceNet& net, int side,
                                          float zoom_out, float min_score) const {
    const Letterbox lb = MakeLetterbox(image.cols, image.rows, side, zoom_out);
    Result<std::vector<cv::Mat>> run = net.Run(BlazeFaceInput(image, lb));
    if (!run.ok()) return run.status();
    const std::vector<cv::Mat>& outs = *run;
    if (outs.size() != kBlazeFaceOutputs.size()) return Status::Internal("BlazeFace outputs");
    std::vector<Candidate> all;
    for (int layer = 0; layer < 2; ++layer) {
      const cv::Mat& s = outs[layer];
      const cv::Mat& r = outs[layer + 2];
      const std::size_t offset = layer == 0 ? 0 : 512;
      if (s.total() + offset > anchors_.size() || r.total() != s.total() * kBlazeFaceValues ||
          s.depth() != CV_32F || r.depth() != CV_32F) {
        return Status::Internal("unexpected BlazeFace output shape");
      }
      auto c = DecodeCandidates({s.ptr<float>(), s.total()}, {r.ptr<float>(), r.total()},
                                std::span(anchors_).subspan(offset, s.total()), side, min_score);
      all.insert(all.end(), c.begin(), c.end());
    }
    std::vector<Detection> faces;
    for (const Candidate& c : WeightedNms(std::move(all), opts_.nms_iou, opts_.max_faces)) {
      faces.push_back(ToDetection(c, lb, image.size()));
    }
    return faces;
  }

  // Share of `inner`'s area that lies inside `outer` (0 for an empty box).
  static float InsideShare(const Box& inner, const Box& outer) {
    const float w = std::min(inner.x + inner.w, outer.x + outer.w) - std::max(inner.x, outer.x);
    const float h = std::min(inner.y + inner.h, outer.y + outer.h) - std::max(inner.y, outer.y);
    const float area = inner.w * inner.h;
    return (w <= 0 || h <= 0 || area <= 0) ? 0.0f : w * h / area;
  }

  bool Overlaps(const Detection& d, const std::vector<Detection>& others) const {
    return std::any_of(others.begin(), others.end(),
                       [&](const Detection& o) { return IoU(d.box, o.box) >= opts_.nms_iou; });
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

  std::unique_ptr<BlazeFaceNet> nets_;   // "back", 256x256
  std::unique_ptr<BlazeFaceNet> front_;  // "front", 128x128; null when turned off
  BlazeFaceOptions opts_;
  std::vector<Anchor> anchors_;
};

}  // namespace

std::string FrontModelPath(const BlazeFaceOptions& opts) {
  if (!opts.use_front) return "";
  if (!opts.front_model_path.empty()) return opts.front_model_path;
  return (std::filesystem::path(opts.model_path).parent_path() / kBlazeFaceFrontFile).string();
}

Result<std::unique_ptr<FaceDetector>> CreateBlazeFaceDetector(const BlazeFaceOptions& given) {
  auto back =
      FindModelFile(given.model_path, "BlazeFace", "run scripts/fetch_models.sh to fetch it");
  if (!back.ok()) return back.status();
  BlazeFaceOptions opts = given;
  opts.model_path = *back;  // the front model is looked for beside the file actually found
  std::string front = FrontModelPath(opts);
  if (!front.empty()) {
    auto f = FindModelFile(front, "BlazeFace front", "run scripts/fetch_models.sh to fetch it");
    if (!f.ok()) return f.status();
    front = *f;
  }
  const auto unit = [](float v) { return v >= 0 && v <= 1; };
  if (!unit(opts.min_score) || !unit(opts.front_min_score) || !unit(opts.nms_iou) ||
      !unit(opts.front_confident_score) || !unit(opts.front_small_face) ||
      !unit(opts.front_accept_face) || !unit(opts.closeup_min_score) ||
      !unit(opts.closeup_fraction) || opts.max_faces < 1) {
    return Status::InvalidArgument("BlazeFace options out of range");
  }
  auto back_net = BlazeFaceNet::Create(opts.model_path, opts.backend, opts.net_copies);
  if (!back_net.ok())
    return Status(back_net.status().code(), "BlazeFace: " + back_net.status().message());
  std::unique_ptr<BlazeFaceNet> front_net;
  if (!front.empty()) {
    auto f = BlazeFaceNet::Create(front, opts.backend, opts.net_copies);
    if (!f.ok()) return Status(f.status().code(), "BlazeFace front: " + f.status().message());
    front_net = std::move(f).value();
  }
  return std::unique_ptr<FaceDetector>(
      std::make_unique<BlazeFaceDetector>(opts, std::move(back_net).value(), std::move(front_net)));
}

}  // namespace moodtune
