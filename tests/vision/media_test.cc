// The media library (libmoodtune_media.so, moodtune/media.h): PNG/BMP/WebP in and out
// through it, a clear Status when it is missing or is not ours, and where it is looked for.
#include "moodtune/media.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <vector>

#include "common/skip.h"
#include "media_loader.h"
#include "moodtune/vision.h"

namespace moodtune {
namespace {

using Bytes = std::vector<std::uint8_t>;

cv::Mat Card() {
  cv::Mat m(20, 40, CV_8UC3, cv::Scalar(0, 0, 255));
  m(cv::Rect(20, 0, 20, 20)).setTo(cv::Scalar(255, 0, 0));
  return m;
}

Bytes CvEncode(const char* ext, const cv::Mat& m) {
  Bytes out;
  EXPECT_TRUE(cv::imencode(ext, m, out)) << ext;
  return out;
}

MediaOptions Missing() { return {"/nonexistent/dir/libmoodtune_media.so"}; }

TEST(MediaTest, PngBmpWebpDecodeThroughTheLibraryExactlyAsOpenCv) {
  std::vector<const char*> exts = {".png", ".bmp"};
  if (cv::haveImageWriter(".webp")) exts.push_back(".webp");
  for (const char* ext : exts) {
    const Bytes b = CvEncode(ext, Card());
    auto img = DecodeImage(b);
    ASSERT_TRUE(img.ok()) << ext << " " << img.status().ToString();
    const cv::Mat cv_img = cv::imdecode(b, cv::IMREAD_COLOR);
    EXPECT_EQ(cv::norm(*img, cv_img, cv::NORM_INF), 0) << ext;
    auto gray = DecodeImageGray(b);
    ASSERT_TRUE(gray.ok()) << ext;
    EXPECT_EQ(gray->type(), CV_8UC1);
    EXPECT_EQ(cv::norm(*gray, cv::imdecode(b, cv::IMREAD_GRAYSCALE), cv::NORM_INF), 0) << ext;
  }
}

// Without the library every PNG/BMP/WebP is a clear Unavailable naming the library and the
// loader's reason; JPEG does not need it.
TEST(MediaTest, AMissingLibraryIsAStatusNotACrash) {
  DecodeOptions opts;
  opts.media = Missing();
  auto png = DecodeImage(CvEncode(".png", Card()), opts);
  ASSERT_FALSE(png.ok());
  EXPECT_TRUE(png.status().IsUnavailable()) << png.status().ToString();
  const std::string& m = png.status().message();
  EXPECT_EQ(m.rfind("PNG input needs libmoodtune_media.so: ", 0), 0u) << m;
  EXPECT_NE(m.find("/nonexistent/dir/libmoodtune_media.so"), std::string::npos) << m;
  EXPECT_NE(m.find("No such file"), std::string::npos) << m;
  auto bmp = DecodeImage(CvEncode(".bmp", Card()), opts);
  EXPECT_EQ(bmp.status().message().rfind("BMP input needs", 0), 0u) << bmp.status().ToString();

  EXPECT_TRUE(DecodeImage(CvEncode(".jpg", Card()), opts).ok());
  EXPECT_TRUE(EncodeImage(".jpg", Card(), Missing()).ok());

  auto out = EncodeImage(".png", Card(), Missing());
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message().rfind("PNG output needs libmoodtune_media.so", 0), 0u)
      << out.status().ToString();
  auto cam = OpenVideoCamera("/dev/video0", 640, 480, Missing());
  ASSERT_FALSE(cam.ok());
  EXPECT_TRUE(cam.status().IsUnavailable());
  EXPECT_EQ(cam.status().message().rfind("the camera needs libmoodtune_media.so", 0), 0u);

  // The default search still works after a failed explicit path.
  EXPECT_TRUE(DecodeImage(CvEncode(".png", Card())).ok());
}

// A shared library that is not ours (no entry point) is refused the same way.
TEST(MediaTest, ALibraryWithoutTheEntryPointIsRefused) {
  const char* other = "/lib/x86_64-linux-gnu/libturbojpeg.so.0";
  if (!std::filesystem::exists(other)) GTEST_SKIP() << other << " not here";
  auto r = EncodeImage(".png", Card(), {other});
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsUnavailable());
  EXPECT_NE(r.status().message().find("no moodtune_media_api_v1"), std::string::npos)
      << r.status().ToString();
}

// Found by fuzz/image_decode_fuzzer.cc (issue 12's run): a header that probes as WebP but
// that libwebp rejects made cv::imdecode try its other codecs; "DICM" at byte 128 selected
// GDCM, which abort()ed the process (the server too: any upload). Refused before OpenCV now.
// The fuzzer's input, fuzz/corpus/image_decode/webp_falls_through_to_gdcm.webp.
TEST(MediaTest, FuzzWebpThatFallsThroughToGdcmIsRefusedNotAborted) {
  Bytes b(141, 0);
  const Bytes head = {'R', 'I', 'F', 'F', 0x3E, 0,   0,   0,   'W',
                      'E', 'B', 'P', 'V', 'P',  '8', 'X', 0x32};
  std::copy(head.begin(), head.end(), b.begin());
  b[54] = 0x3B;
  const Bytes mid = {0x5A, 0xAE, 0x3A, 0x00, 0x50, 0x61};
  std::copy(mid.begin(), mid.end(), b.begin() + 106);
  const Bytes tail = {0xFF, 0xD8, 0xFF, 0x31, 0xD0, 'D',  'I',  'C',  'M',
                      0x01, 0x00, 0x9D, 0x01, 0x53, 0x56, 0x4C, 0xC0, 0x00};
  std::copy(tail.begin(), tail.end(), b.begin() + 123);
  ASSERT_EQ(std::string(b.begin() + 128, b.begin() + 132), "DICM");
  for (bool gray : {false, true}) {
    auto img = gray ? DecodeImageGray(b) : DecodeImage(b);
    ASSERT_FALSE(img.ok());
    EXPECT_TRUE(img.status().IsInvalidArgument()) << img.status().ToString();
  }
}

TEST(MediaTest, CandidatesAreNextToTheExecutableThenTheInstallThenTheLoader) {
  EXPECT_EQ(MediaLibraryCandidates({}, "/opt/mt/bin", "../lib/moodtune"),
            (std::vector<std::string>{"/opt/mt/bin/libmoodtune_media.so",
                                      "/opt/mt/lib/moodtune/libmoodtune_media.so",
                                      "libmoodtune_media.so"}));
  EXPECT_EQ(MediaLibraryCandidates({}, "", "../lib/moodtune"),
            (std::vector<std::string>{"libmoodtune_media.so"}));
  EXPECT_EQ(MediaLibraryCandidates({"/x/y.so"}, "/opt/mt/bin", "../lib/moodtune"),
            (std::vector<std::string>{"/x/y.so"}));
  EXPECT_EQ(MediaOptions{}.library, "");
}

TEST(MediaTest, EncodeImageByExtension) {
  for (const char* ext : {".png", ".PNG", "bmp", ".jpg", ".JPEG"}) {
    auto b = EncodeImage(ext, Card());
    ASSERT_TRUE(b.ok()) << ext << " " << b.status().ToString();
    auto back = DecodeImage(*b);
    ASSERT_TRUE(back.ok()) << ext;
    EXPECT_EQ(back->size(), cv::Size(40, 20));
    EXPECT_LT(cv::norm(*back, Card(), cv::NORM_L1) / Card().total() / 3, 8.0) << ext;
  }
  EXPECT_TRUE(EncodeImage(".xyz", Card()).status().IsUnsupported());
  EXPECT_TRUE(EncodeImage("", Card()).status().IsUnsupported());
  EXPECT_TRUE(EncodeImage(".png", cv::Mat()).status().IsInvalidArgument());
}

TEST(MediaTest, WriteImageFileWritesWhatOpenCvReads) {
  const std::filesystem::path dir = ::testing::TempDir();
  for (const char* name : {"media_test.png", "media_test.jpg"}) {
    const std::string path = (dir / name).string();
    ASSERT_TRUE(WriteImageFile(path, Card()).ok()) << name;
    EXPECT_EQ(cv::imread(path).size(), cv::Size(40, 20)) << name;
  }
  const Status bad = WriteImageFile("/nonexistent/dir/x.png", Card());
  EXPECT_TRUE(bad.IsUnavailable()) << bad.ToString();
  EXPECT_EQ(bad.message().rfind("/nonexistent/dir/x.png: ", 0), 0u) << bad.ToString();
}

TEST(MediaTest, AMissingCameraIsAStatus) {
  auto cam = OpenVideoCamera("/nonexistent/video99", 640, 480);
  ASSERT_FALSE(cam.ok());
  // InvalidArgument with the camera built in; Unsupported without (MOODTUNE_WITH_CAMERA=OFF).
  EXPECT_TRUE(cam.status().IsInvalidArgument() || cam.status().IsUnsupported())
      << cam.status().ToString();
  EXPECT_EQ(cam.status().message().rfind("cannot open camera /nonexistent/video99", 0), 0u)
      << cam.status().ToString();
}

}  // namespace
}  // namespace moodtune
