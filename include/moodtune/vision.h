// Vision: decode photos, find faces (BlazeFace), align them, classify their emotion (our own
// CNN, ONNX via OpenCV DNN), and draw the result.
// Thread-safety: AlignFace/Annotate are pure; the decoders may be called from any thread (the
// first PNG/BMP/WebP loads the media library, once). FaceDetector, EmotionClassifier and
// Analyzer are safe to call concurrently from several threads (they guard their nets).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <opencv2/core.hpp>
#include <span>
#include <string>
#include <vector>

#include "moodtune/emotion.h"
#include "moodtune/media.h"
#include "moodtune/status.h"

namespace moodtune {

struct Box {
  float x = 0, y = 0, w = 0, h = 0;  // pixels of the original image, top-left + size
};
struct Point {
  float x = 0, y = 0;  // pixels of the original image
};

// One detected face. Keypoints follow MediaPipe's order:
// 0 right eye, 1 left eye, 2 nose tip, 3 mouth, 4 right ear tragion, 5 left ear tragion
// ("right" = the subject's right, which appears on the image's left).
struct Detection {
  Box box;
  float score = 0;  // detector confidence 0..1
  std::array<Point, 6> keypoints{};
};

struct Face {
  Detection detection;
  EmotionProbs probabilities{};  // softmax over the 7 classes, in Emotion order
  Emotion emotion = Emotion::kNeutral;
  float confidence = 0;  // probabilities[emotion]
};

struct DecodeOptions {
  std::int64_t max_pixels = 40'000'000;  // refuse images above this (decompression bombs)
  MediaOptions media;  // where PNG/BMP/WebP decoding is loaded from (moodtune/media.h)
};

// Decodes JPEG/PNG/BMP/WebP bytes into 8-bit BGR, honouring EXIF orientation; gray, CMYK
// and RGBA inputs are converted. Checks the header's dimensions against max_pixels before
// the full decode. JPEG is decoded in the process (libjpeg-turbo); PNG, BMP and WebP by
// OpenCV in the media library, loaded on the first such image. InvalidArgument for
// empty/undecodable/truncated bytes, ResourceExhausted for too many pixels, Unavailable
// for a PNG/BMP/WebP when the media library cannot be loaded.
Result<cv::Mat> DecodeImage(std::span<const std::uint8_t> bytes, const DecodeOptions& opts = {});
// As DecodeImage, but 8-bit gray (CV_8UC1): libjpeg's own luma for JPEG, OpenCV's
// IMREAD_GRAYSCALE for the others (what the device simulator's on-device path reads).
Result<cv::Mat> DecodeImageGray(std::span<const std::uint8_t> bytes,
                                const DecodeOptions& opts = {});
// A JPEG decoded at a reduced scale (libjpeg-turbo's DCT scaling), when the full size is not
// needed. `scale` maps its pixels back to the original's: original = decoded * scale.
// width/height are the original's, after EXIF orientation.
struct ReducedImage {
  cv::Mat bgr;
  double scale = 1;
  int width = 0, height = 0;
};
// As DecodeImage, but shrunk by 2, 4 or 8 (the largest that keeps the long side at least
// `min_long_side`); other formats and small images come back at full size (scale 1). Issue
// 12: the detector needs 256 px, a 12 MP phone photo was decoded whole.
Result<ReducedImage> DecodeImageReduced(std::span<const std::uint8_t> bytes,
                                        const DecodeOptions& opts, int min_long_side);

// Reads a file and decodes it; NotFound when it cannot be read.
Result<cv::Mat> ReadImageFile(const std::string& path, const DecodeOptions& opts = {});

// Face detectors sit behind this interface so another can be plugged in.
class FaceDetector {
 public:
  virtual ~FaceDetector() = default;
  // Faces in an 8-bit BGR image (gray and BGRA accepted), best first. Boxes are in the
  // image's pixels, clipped to it; keypoints are not clipped. InvalidArgument for an empty
  // or non-8-bit image, Internal for a library failure. No face: an empty vector.
  virtual Result<std::vector<Detection>> Detect(const cv::Mat& bgr) const = 0;
};

inline constexpr const char* kBlazeFaceFrontFile = "face_detection_front_128x128_barracuda.onnx";

struct BlazeFaceOptions {
  std::string model_path = "models/blazeface/face_detection_back_256x256_barracuda.onnx";
  // The short-range model, tried first (faces that fill the photo: camera shots, portraits);
  // the "back" model above runs too when the front faces are unsure or small, or when it
  // finds none (group photos, small faces); see docs/vision.md.
  bool use_front = true;
  std::string front_model_path;  // "" = kBlazeFaceFrontFile in model_path's folder
  float front_min_score = 0.6f;  // the front pass's own threshold
  // Small front faces below this score are kept only when the "back" model also finds them.
  float front_confident_score = 0.75f;
  // Front faces smaller than this fraction of the photo's long side hint at a group photo
  // with faces too small for the front model: "back" runs too and adds what it finds, and an
  // unsure front face below it stays only when "back" finds it too.
  float front_small_face = 0.2f;
  // Issue 12: when every front face is confident (front_confident_score) and spans at least
  // this fraction of the long side, or spans front_small_face (large faces are kept whatever
  // "back" finds), the front pass is the answer and "back" (4-5x the cost) does not run. The
  // camera case (one person at arm's length, 12-30% of a 640x480 frame) stays on the 128x128
  // model; group photos (faces ~5-9%) still get "back". Chosen on dlib's labelled photos and
  // faces-in-the-wild-dev (docs/vision.md).
  float front_accept_face = 0.1f;
  // When no face reaches front_min_score, a front face of at least closeup_min_score that
  // spans closeup_fraction of the long side is still taken: the camera case, one face filling
  // the frame (tiny face-only photos score low). Chosen on faces-in-the-wild-dev: a dog's
  // muzzle (18% of dogs.jpg) stays out.
  float closeup_min_score = 0.4f;
  float closeup_fraction = 0.4f;
  // Drop candidates below this confidence. On the dlib photos (tests/vision/blazeface_test)
  // 0.5 and 0.6 give the same detections; 0.4 adds one more false positive than face found.
  float min_score = 0.6f;
  float nms_iou = 0.3f;         // weighted NMS merges candidates above this IoU
  int max_faces = 64;           // keep at most this many faces, best first (a group photo has ~24)
  int net_copies = 0;           // copies of the net for concurrent callers (0 = one per CPU core)
  float retry_zoom_out = 2.5f;  // no face found: look again with the photo shrunk this much
                                // inside the model's square (close-ups); <= 1 turns it off
  // How the two nets run: "auto" (oneDNN when this build has it and the graph is BlazeFace's
  // own pattern of convolutions and residual adds, else OpenCV DNN), "opencv", or "onednn"
  // (an error when it cannot be used). Both compute the same function; oneDNN is about twice
  // as fast (docs/vision.md, "Detector backend").
  std::string backend = "auto";
};
// The front model's file for these options ("" when use_front is off).
std::string FrontModelPath(const BlazeFaceOptions& opts);
// NotFound (with how to fetch it: scripts/fetch_models.sh) when a model file is missing.
Result<std::unique_ptr<FaceDetector>> CreateBlazeFaceDetector(const BlazeFaceOptions& opts);

struct AlignOptions {
  float margin = 0.15f;  // extra context around the detector box, as a fraction of its size
  int size = 48;         // output side in pixels (the emotion model's input)
  // Contrast: each crop is stretched linearly to this pixel standard deviation around 128
  // (0 = leave as is). Off: on faces-in-the-wild-dev it lowered accuracy (docs/vision.md). A
  // model must be trained with the value it is served with (FaceInput packs its data).
  float contrast_std = 0;
};
// Rotates the image so the eyes are level, crops the face box plus margin and returns a
// size x size 8-bit grayscale crop. Shrinks with an area filter (no aliasing). No contrast
// step: FaceInput is what the model sees.
cv::Mat AlignFace(const cv::Mat& bgr, const Detection& d, const AlignOptions& opts = {});

// Stretches an 8-bit gray crop in place to opts.contrast_std (no-op when 0).
void NormalizeContrast(cv::Mat& gray, const AlignOptions& opts);

// THE pre-processing from a photo and one detection to the emotion model's input: aligned
// crop (AlignFace) then contrast (NormalizeContrast), size x size 8-bit gray. With d ==
// nullptr the image is taken to be a face crop already (FER2013, --assume-face): it is only
// converted to gray and resized. The trainer's packer, analyze/eval and the server all use
// this one function, so what the model learns is what it sees. Empty on empty input.
cv::Mat FaceInput(const cv::Mat& image, const Detection* d, const AlignOptions& opts = {});

struct ClassifierOptions {
  std::string model_path = "models/emotion/emotion.onnx";
  int net_copies = 0;  // copies of the net for concurrent callers (0 = one per CPU core)
  // Average the probabilities of the crop and its mirror (one batch of two): a face and its
  // mirror image then read the same. Costs about 1.6x the classification time.
  bool flip_average = true;
  // How the net runs: "auto" (oneDNN when this build has it and the model is a plain conv
  // chain, else OpenCV DNN), "opencv", or "onednn" (an error when it cannot be used). Both
  // compute the same function; oneDNN takes about a third of the CPU time (docs/vision.md).
  std::string backend = "auto";
};
// The emotion net: input 1x1x48x48 float, pixels mapped x/127.5 - 1; output 1x7 softmax
// (raw logits are tolerated and softmaxed). NotFound, naming scripts/train_model.sh, when the
// model file is missing.
class EmotionClassifier {
 public:
  virtual ~EmotionClassifier() = default;
  // `face` is any-size BGR or gray crop; resized to 48x48 gray internally.
  virtual Result<EmotionProbs> Classify(const cv::Mat& face) const = 0;
  // How the net runs, for logs: "onednn", "opencv" (ClassifierOptions::backend), or "other".
  virtual std::string Backend() const { return "other"; }
};
Result<std::unique_ptr<EmotionClassifier>> CreateEmotionClassifier(const ClassifierOptions& opts);

struct AnalyzerOptions {
  BlazeFaceOptions detector;
  AlignOptions align;
  ClassifierOptions classifier;
};

// Detect -> align -> classify.
// Where Analyze spent its time (issue 12's per-stage profile), seconds.
struct AnalyzeTimings {
  double detect = 0;    // face detection (BlazeFace front/back)
  double align = 0;     // face crops (FaceInput), all faces
  double classify = 0;  // the emotion net, all faces
};

class Analyzer {
 public:
  static Result<std::unique_ptr<Analyzer>> Create(const AnalyzerOptions& opts);
  Analyzer(std::unique_ptr<FaceDetector> detector, std::unique_ptr<EmotionClassifier> classifier,
           AlignOptions align);
  // assume_face: skip detection, the whole image is one face (box = full image, score 1).
  // No face is not an error: the vector is empty.
  // `timings` (optional) receives where the time went.
  // How the nets run, for logs, e.g. "emotion net: onednn".
  std::string Describe() const;
  Result<std::vector<Face>> Analyze(const cv::Mat& bgr, bool assume_face = false,
                                    AnalyzeTimings* timings = nullptr) const;

 private:
  std::unique_ptr<FaceDetector> detector_;
  std::unique_ptr<EmotionClassifier> classifier_;
  AlignOptions align_;
};

// Copy of `bgr`, same size, with each face's box, emotion and confidence drawn on it.
cv::Mat Annotate(const cv::Mat& bgr, const std::vector<Face>& faces);

}  // namespace moodtune
