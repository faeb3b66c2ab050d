// BlazeFace end to end: model loading errors, and recall/false positives on Debian dlib's
// hand-labelled photos (/usr/share/doc/libdlib19.1/examples/faces, from libdlib-dev).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <opencv2/imgproc.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "blazeface_math.h"
#include "common/skip.h"
#include "moodtune/vision.h"

namespace moodtune {
namespace {

const std::string kModel = std::string(MOODTUNE_SOURCE_DIR) +
                           "/models/blazeface/face_detection_back_256x256_barracuda.onnx";
const std::string kDlibFaces = "/usr/share/doc/libdlib19.1/examples/faces";

std::unique_ptr<FaceDetector> MakeDetector(BlazeFaceOptions opts = {}) {
  opts.model_path = kModel;
  auto d = CreateBlazeFaceDetector(opts);
  EXPECT_TRUE(d.ok()) << d.status().ToString();
  return d.ok() ? std::move(d).value() : nullptr;
}

TEST(BlazeFaceTest, MissingModelIsNotFoundWithFetchHint) {
  BlazeFaceOptions opts;
  opts.model_path = "/nonexistent/blazeface.onnx";
  auto d = CreateBlazeFaceDetector(opts);
  ASSERT_FALSE(d.ok());
  EXPECT_TRUE(d.status().IsNotFound());
  EXPECT_NE(d.status().message().find("scripts/fetch_models.sh"), std::string::npos);
}

TEST(BlazeFaceTest, GarbageModelIsAnErrorNotACrash) {
  const std::string path = ::testing::TempDir() + "/garbage.onnx";
  std::ofstream(path) << "not an onnx file";
  BlazeFaceOptions opts;
  opts.model_path = path;
  auto d = CreateBlazeFaceDetector(opts);
  EXPECT_FALSE(d.ok());
}

TEST(BlazeFaceTest, EmptyImageIsInvalidArgument) {
  auto det = MakeDetector();
  ASSERT_TRUE(det);
  auto r = det->Detect(cv::Mat());
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsInvalidArgument());
}

TEST(BlazeFaceTest, FlatImageHasNoFaces) {
  auto det = MakeDetector();
  ASSERT_TRUE(det);
  for (int v : {0, 128, 255}) {
    auto r = det->Detect(cv::Mat(480, 640, CV_8UC3, cv::Scalar::all(v)));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_TRUE(r->empty()) << "value " << v;
  }
}

// ---- dlib hand-labelled photos ----

struct Labelled {
  std::string file;
  std::vector<Box> faces;
};

// Minimal reader for dlib's imglab XML: <image file='...'> <box top left width height/>.
std::vector<Labelled> ReadDlibXml(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string xml = ss.str();
  std::vector<Labelled> out;
  const std::regex image_re("<image file='([^']+)'[^>]*>([\\s\\S]*?)</image>");
  const std::regex box_re(
      "<box top='(-?\\d+)' left='(-?\\d+)' width='(\\d+)' height='(\\d+)'\\s*/>");
  for (std::sregex_iterator it(xml.begin(), xml.end(), image_re), end; it != end; ++it) {
    Labelled l{(*it)[1].str(), {}};
    const std::string body = (*it)[2].str();
    for (std::sregex_iterator b(body.begin(), body.end(), box_re); b != end; ++b) {
      l.faces.push_back({std::stof((*b)[2].str()), std::stof((*b)[1].str()),
                         std::stof((*b)[3].str()), std::stof((*b)[4].str())});
    }
    out.push_back(l);
  }
  return out;
}

// dlib's boxes are square and tight: brow to chin, cheek to cheek. BlazeFace's are taller
// (forehead included) and a little wider. Both are compared as they are; the mapping that
// best aligns them is measured in the log for the docs but not applied.
struct Score {
  int faces = 0, hits = 0, false_positives = 0;
  double iou_sum = 0;
};

void Match(const std::vector<Box>& truth, const std::vector<Detection>& found, float min_iou,
           Score* s) {
  std::vector<bool> used(found.size(), false);
  for (const Box& t : truth) {
    ++s->faces;
    int best = -1;
    float best_iou = min_iou;
    for (std::size_t i = 0; i < found.size(); ++i) {
      const float iou = IoU(t, found[i].box);
      if (!used[i] && iou >= best_iou) {
        best = static_cast<int>(i);
        best_iou = iou;
      }
    }
    if (best >= 0) {
      used[best] = true;
      ++s->hits;
      s->iou_sum += best_iou;
    }
  }
  for (bool u : used) s->false_positives += u ? 0 : 1;
}

// Both detector backends (BlazeFaceOptions::backend): the figures must be the same.
TEST(BlazeFaceTest, DlibLabelledPhotosRecallAndFalsePositives) {
  if (!std::filesystem::exists(kDlibFaces + "/training.xml")) {
    MOODTUNE_SKIP_OR_FAIL("install libdlib-dev for " << kDlibFaces);
  }
  std::vector<Labelled> all = ReadDlibXml(kDlibFaces + "/training.xml");
  for (auto& l : ReadDlibXml(kDlibFaces + "/testing.xml")) all.push_back(l);
  // dogs.jpg (dlib's negative example) has no human face: every detection is false.
  all.push_back({"dogs.jpg", {}});
  ASSERT_EQ(all.size(), 10u);
  for (const char* backend : {"opencv", "auto"}) {
    BlazeFaceOptions opts;
    opts.backend = backend;
    auto det = MakeDetector(opts);
    ASSERT_TRUE(det);
    Score s;
    for (const Labelled& l : all) {
      auto img = ReadImageFile(kDlibFaces + "/" + l.file);
      ASSERT_TRUE(img.ok()) << img.status().ToString();
      auto found = det->Detect(*img);
      ASSERT_TRUE(found.ok()) << found.status().ToString();
      Score one;
      Match(l.faces, *found, 0.5f, &one);
      if (std::getenv("MOODTUNE_VERBOSE"))
        for (const Detection& d : *found)
          std::printf("  %s %dx%d box %.0f,%.0f %.0fx%.0f score %.2f\n", l.file.c_str(), img->cols,
                      img->rows, d.box.x, d.box.y, d.box.w, d.box.h, d.score);
      std::printf("%-16s faces %2d found %2zu hits %2d fp %d\n", l.file.c_str(), one.faces,
                  found->size(), one.hits, one.false_positives);
      // Issue 10: a dog's muzzle was taken for a face and got songs.
      if (l.file == "dogs.jpg") {
        EXPECT_TRUE(found->empty()) << "a face found on dogs.jpg";
      }
      s.faces += one.faces;
      s.hits += one.hits;
      s.false_positives += one.false_positives;
      s.iou_sum += one.iou_sum;
    }
    const double recall = static_cast<double>(s.hits) / s.faces;
    std::printf(
        "dlib faces (backend %s): %d, recall %.3f at IoU>=0.5, mean IoU of hits %.3f, %d false "
        "positives\n",
        backend, s.faces, recall, s.hits ? s.iou_sum / s.hits : 0.0, s.false_positives);
    EXPECT_EQ(s.faces, 43);
    EXPECT_GE(recall, 0.95);
    EXPECT_LE(s.false_positives, 2);
  }
}

TEST(BlazeFaceTest, BoxesAndKeypointsAreInOriginalPixels) {
  // The same photo, padded into a larger canvas, must give the same faces shifted by the
  // offset: this catches letterbox mapping errors.
  const std::string file = kDlibFaces + "/2008_001009.jpg";
  if (!std::filesystem::exists(file)) MOODTUNE_SKIP_OR_FAIL("install libdlib-dev");
  auto det = MakeDetector();
  ASSERT_TRUE(det);
  auto img = ReadImageFile(file);
  ASSERT_TRUE(img.ok());
  cv::Mat canvas(img->rows + 100, img->cols + 300, CV_8UC3, cv::Scalar::all(0));
  img->copyTo(canvas(cv::Rect(200, 60, img->cols, img->rows)));
  auto a = det->Detect(*img);
  auto b = det->Detect(canvas);
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_EQ(a->size(), 2u);
  ASSERT_EQ(b->size(), a->size());
  for (const Detection& da : *a) {
    Box shifted = da.box;
    shifted.x += 200;
    shifted.y += 60;
    float best = 0;
    for (const Detection& db : *b) best = std::max(best, IoU(shifted, db.box));
    EXPECT_GT(best, 0.8f);
    // Eyes sit in the box's upper half, right eye (subject's) left of the left eye.
    EXPECT_LT(da.keypoints[0].x, da.keypoints[1].x);
    for (int k = 0; k < 2; ++k) {
      EXPECT_GT(da.keypoints[k].y, da.box.y);
      EXPECT_LT(da.keypoints[k].y, da.box.y + da.box.h / 2);
    }
  }
}

TEST(BlazeFaceTest, GrayAndBgraInputsWork) {
  const std::string file = kDlibFaces + "/2008_001009.jpg";
  if (!std::filesystem::exists(file)) MOODTUNE_SKIP_OR_FAIL("install libdlib-dev");
  auto det = MakeDetector();
  ASSERT_TRUE(det);
  auto img = ReadImageFile(file);
  ASSERT_TRUE(img.ok());
  cv::Mat gray, bgra;
  cv::cvtColor(*img, gray, cv::COLOR_BGR2GRAY);
  cv::cvtColor(*img, bgra, cv::COLOR_BGR2BGRA);
  auto g = det->Detect(gray);
  auto a = det->Detect(bgra);
  ASSERT_TRUE(g.ok() && a.ok());
  EXPECT_EQ(g->size(), 2u);
  EXPECT_EQ(a->size(), 2u);
}

TEST(BlazeFaceTest, SharedBetweenThreadsGivesSameResults) {
  const std::string file = kDlibFaces + "/2008_001322.jpg";
  if (!std::filesystem::exists(file)) MOODTUNE_SKIP_OR_FAIL("install libdlib-dev");
  auto det = MakeDetector();
  ASSERT_TRUE(det);
  auto img = ReadImageFile(file);
  ASSERT_TRUE(img.ok());
  auto ref = det->Detect(*img);
  ASSERT_TRUE(ref.ok());
  ASSERT_FALSE(ref->empty());
  std::vector<int> mismatches(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        auto r = det->Detect(*img);
        if (!r.ok() || r->size() != ref->size() || r->at(0).box.x != ref->at(0).box.x) {
          ++mismatches[t];
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int m : mismatches) EXPECT_EQ(m, 0);
}

TEST(BlazeFaceTest, MaxFacesCapsTheOutput) {
  const std::string file = kDlibFaces + "/2008_004176.jpg";
  if (!std::filesystem::exists(file)) MOODTUNE_SKIP_OR_FAIL("install libdlib-dev");
  BlazeFaceOptions opts;
  opts.max_faces = 2;
  auto det = MakeDetector(opts);
  ASSERT_TRUE(det);
  auto img = ReadImageFile(file);
  ASSERT_TRUE(img.ok());
  auto r = det->Detect(*img);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->size(), 2u);
  EXPECT_GE(r->at(0).score, r->at(1).score);
}

}  // namespace
}  // namespace moodtune
