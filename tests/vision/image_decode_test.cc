#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <vector>

#include "common/skip.h"
#include "moodtune/vision.h"

namespace moodtune {
namespace {

using Bytes = std::vector<std::uint8_t>;

// 40x20 test card: left half red, right half blue, a green top-left corner block.
cv::Mat Card() {
  cv::Mat m(20, 40, CV_8UC3, cv::Scalar(0, 0, 255));
  m(cv::Rect(20, 0, 20, 20)).setTo(cv::Scalar(255, 0, 0));
  m(cv::Rect(0, 0, 6, 6)).setTo(cv::Scalar(0, 255, 0));
  return m;
}

Bytes Encode(const char* ext, const cv::Mat& m) {
  Bytes out;
  EXPECT_TRUE(cv::imencode(ext, m, out));
  return out;
}

bool Near(const cv::Vec3b& a, const cv::Scalar& b, int tol = 40) {
  for (int i = 0; i < 3; ++i)
    if (std::abs(a[i] - b[i]) > tol) return false;
  return true;
}

TEST(DecodeImageTest, DecodesJpegPngBmpToBgr) {
  for (const char* ext : {".jpg", ".png", ".bmp"}) {
    auto img = DecodeImage(Encode(ext, Card()));
    ASSERT_TRUE(img.ok()) << ext << " " << img.status().ToString();
    EXPECT_EQ(img->type(), CV_8UC3) << ext;
    EXPECT_EQ(img->size(), cv::Size(40, 20)) << ext;
    EXPECT_TRUE(Near(img->at<cv::Vec3b>(10, 10), {0, 0, 255})) << ext;
    EXPECT_TRUE(Near(img->at<cv::Vec3b>(10, 30), {255, 0, 0})) << ext;
  }
}

TEST(DecodeImageTest, DecodesWebpWhenTheCodecIsBuilt) {
  if (!cv::haveImageWriter(".webp")) MOODTUNE_SKIP_OR_FAIL("OpenCV built without WebP");
  auto img = DecodeImage(Encode(".webp", Card()));
  ASSERT_TRUE(img.ok()) << img.status().ToString();
  EXPECT_EQ(img->size(), cv::Size(40, 20));
}

TEST(DecodeImageTest, GrayAndRgbaBecomeBgr) {
  cv::Mat gray(20, 40, CV_8UC1, cv::Scalar(77));
  auto g = DecodeImage(Encode(".png", gray));
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(g->type(), CV_8UC3);
  EXPECT_EQ(g->at<cv::Vec3b>(5, 5), cv::Vec3b(77, 77, 77));

  cv::Mat bgra(20, 40, CV_8UC4, cv::Scalar(10, 20, 30, 128));
  auto a = DecodeImage(Encode(".png", bgra));
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->type(), CV_8UC3);
  EXPECT_EQ(a->at<cv::Vec3b>(5, 5), cv::Vec3b(10, 20, 30));

  cv::Mat gray_jpeg(20, 40, CV_8UC1, cv::Scalar(200));
  auto gj = DecodeImage(Encode(".jpg", gray_jpeg));
  ASSERT_TRUE(gj.ok());
  EXPECT_EQ(gj->type(), CV_8UC3);
}

TEST(DecodeImageTest, RefusesEmptyAndNonImageBytes) {
  auto empty = DecodeImage({});
  ASSERT_FALSE(empty.ok());
  EXPECT_TRUE(empty.status().IsInvalidArgument());
  const std::string text = "<html>definitely not a photo</html>";
  auto t = DecodeImage({reinterpret_cast<const std::uint8_t*>(text.data()), text.size()});
  ASSERT_FALSE(t.ok());
  EXPECT_TRUE(t.status().IsInvalidArgument());
}

TEST(DecodeImageTest, RefusesTruncatedJpegAndPng) {
  cv::Mat noise(120, 160, CV_8UC3);
  cv::randu(noise, cv::Scalar::all(0), cv::Scalar::all(255));
  for (const char* ext : {".jpg", ".png"}) {
    Bytes b = Encode(ext, noise);
    b.resize(b.size() / 2);
    auto img = DecodeImage(b);
    ASSERT_FALSE(img.ok()) << ext;
    EXPECT_TRUE(img.status().IsInvalidArgument()) << ext << " " << img.status().ToString();
  }
  // A corrupt body with a valid header and end marker is still refused, not a crash.
  Bytes b = Encode(".png", noise);
  std::memset(b.data() + 60, 0xAB, 200);
  EXPECT_FALSE(DecodeImage(b).ok());
}

// A decompression bomb: headers claiming 100000x100000 (or the JPEG maximum) with no pixel
// data. Refused as ResourceExhausted from the header; a full decode would need ~30 GB.
TEST(DecodeImageTest, RefusesAbsurdDimensionsBeforeDecoding) {
  Bytes png = Encode(".png", Card());
  // IHDR width/height at offsets 16 and 20, big-endian. CRC is left stale: the probe must
  // refuse it before libpng would even look.
  const std::uint32_t big = 100000;
  for (int off : {16, 20}) {
    png[off] = big >> 24;
    png[off + 1] = (big >> 16) & 0xFF;
    png[off + 2] = (big >> 8) & 0xFF;
    png[off + 3] = big & 0xFF;
  }
  auto p = DecodeImage(png);
  ASSERT_FALSE(p.ok());
  EXPECT_TRUE(p.status().IsResourceExhausted()) << p.status().ToString();
  EXPECT_NE(p.status().message().find("100000x100000"), std::string::npos);

  const Bytes jpeg = {0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x0B, 0x08, 0xFF, 0xFF,
                      0xFF, 0xFF, 0x01, 0x01, 0x11, 0x00, 0xFF, 0xD9};  // 65535x65535
  auto j = DecodeImage(jpeg);
  ASSERT_FALSE(j.ok());
  EXPECT_TRUE(j.status().IsResourceExhausted()) << j.status().ToString();

  Bytes bmp = Encode(".bmp", Card());
  const std::int32_t w = 100000, h = -100000;  // top-down BMP: negative height
  std::memcpy(bmp.data() + 18, &w, 4);
  std::memcpy(bmp.data() + 22, &h, 4);
  auto bm = DecodeImage(bmp);
  ASSERT_FALSE(bm.ok());
  EXPECT_TRUE(bm.status().IsResourceExhausted()) << bm.status().ToString();

  // The limit is the option's, not a constant: a small card passes a big limit and fails a
  // limit one pixel below its size.
  DecodeOptions tight;
  tight.max_pixels = 40 * 20 - 1;
  EXPECT_TRUE(DecodeImage(Encode(".png", Card()), tight).status().IsResourceExhausted());
  tight.max_pixels = 40 * 20;
  EXPECT_TRUE(DecodeImage(Encode(".png", Card()), tight).ok());
}

// Found by fuzz/image_decode_fuzzer.cc: a PNG header of 0xFFFFFFFF x 0xFFFFFFFF made
// width * height overflow int64 (UB; in practice a negative product that passed the limit
// and reached libpng). Must be refused from the header like any other bomb.
TEST(DecodeImageTest, FuzzPngDimensionsWhoseProductOverflowsAreRefused) {
  Bytes png = Encode(".png", Card());
  for (int off : {16, 20})
    for (int k = 0; k < 4; ++k) png[off + k] = 0xFF;
  auto p = DecodeImage(png);
  ASSERT_FALSE(p.ok());
  EXPECT_TRUE(p.status().IsResourceExhausted()) << p.status().ToString();
  EXPECT_NE(p.status().message().find("4294967295x4294967295"), std::string::npos);
}

// Builds an APP1 Exif segment holding only an Orientation tag (little-endian TIFF).
Bytes ExifApp1(std::uint16_t orientation) {
  Bytes tiff = {'I',
                'I',
                42,
                0,
                8,
                0,
                0,
                0,  // header, IFD0 at offset 8
                1,
                0,  // one entry
                0x12,
                0x01,
                3,
                0,
                1,
                0,
                0,
                0,  // tag 0x0112 SHORT count 1
                static_cast<std::uint8_t>(orientation),
                0,
                0,
                0,
                0,
                0,
                0,
                0};  // no next IFD
  Bytes payload = {'E', 'x', 'i', 'f', 0, 0};
  payload.insert(payload.end(), tiff.begin(), tiff.end());
  const std::size_t len = payload.size() + 2;
  Bytes seg = {0xFF, 0xE1, static_cast<std::uint8_t>(len >> 8),
               static_cast<std::uint8_t>(len & 0xFF)};
  seg.insert(seg.end(), payload.begin(), payload.end());
  return seg;
}

// A real EXIF-rotated JPEG, as phones write them: pixels stored landscape, the Orientation
// tag says how to turn them. Our decoder applies it (exif.h, as OpenCV 4.6's imdecode did;
// jpeg_codec_test compares all eight with OpenCV).
Bytes JpegWithOrientation(std::uint16_t orientation) {
  Bytes jpeg = Encode(".jpg", Card());
  Bytes seg = ExifApp1(orientation);
  jpeg.insert(jpeg.begin() + 2, seg.begin(), seg.end());  // right after SOI
  return jpeg;
}

// Issue 12: a large JPEG is decoded at 1/2, 1/4 or 1/8 by libjpeg, keeping the long side at
// least the minimum; scale and original size let callers map boxes back.
TEST(DecodeImageTest, Issue12ReducedJpegDecodeKeepsTheMinimumLongSide) {
  cv::Mat big(3000, 4000, CV_8UC3, cv::Scalar(10, 200, 30));
  const Bytes jpeg = Encode(".jpg", big);
  auto r = DecodeImageReduced(jpeg, {}, 1024);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->bgr.size(), cv::Size(2000, 1500));  // /4 would give 1000 < 1024
  EXPECT_DOUBLE_EQ(r->scale, 2.0);
  EXPECT_EQ(r->width, 4000);
  EXPECT_EQ(r->height, 3000);
  auto small = DecodeImageReduced(jpeg, {}, 400);
  ASSERT_TRUE(small.ok());
  EXPECT_EQ(small->bgr.size(), cv::Size(500, 375));  // /8
  EXPECT_DOUBLE_EQ(small->scale, 8.0);
  // PNG (no DCT scaling) and small images come back whole.
  auto png =
      DecodeImageReduced(Encode(".png", cv::Mat(300, 400, CV_8UC3, cv::Scalar::all(0))), {}, 100);
  ASSERT_TRUE(png.ok());
  EXPECT_EQ(png->bgr.size(), cv::Size(400, 300));
  EXPECT_DOUBLE_EQ(png->scale, 1.0);
  // The pixel limit still holds on the header, before any decode.
  DecodeOptions tight;
  tight.max_pixels = 1000;
  EXPECT_TRUE(DecodeImageReduced(jpeg, tight, 1024).status().IsResourceExhausted());
  // EXIF rotation: original width/height are the displayed ones.
  auto rotated = DecodeImageReduced(JpegWithOrientation(6), {}, 1024);
  ASSERT_TRUE(rotated.ok());
  EXPECT_EQ(rotated->width, 20);
  EXPECT_EQ(rotated->height, 40);
}

TEST(DecodeImageTest, HonoursExifOrientation) {
  // 1: as stored. The green block is top-left.
  auto o1 = DecodeImage(JpegWithOrientation(1));
  ASSERT_TRUE(o1.ok()) << o1.status().ToString();
  EXPECT_EQ(o1->size(), cv::Size(40, 20));
  EXPECT_TRUE(Near(o1->at<cv::Vec3b>(2, 2), {0, 255, 0}));

  // 6: display = stored rotated 90 degrees clockwise -> 20 wide, 40 tall; the stored
  // top-left (green) lands top-right, the red half on top, blue below.
  auto o6 = DecodeImage(JpegWithOrientation(6));
  ASSERT_TRUE(o6.ok()) << o6.status().ToString();
  EXPECT_EQ(o6->size(), cv::Size(20, 40));
  EXPECT_TRUE(Near(o6->at<cv::Vec3b>(2, 17), {0, 255, 0}));
  EXPECT_TRUE(Near(o6->at<cv::Vec3b>(10, 10), {0, 0, 255}));
  EXPECT_TRUE(Near(o6->at<cv::Vec3b>(30, 10), {255, 0, 0}));

  // 3: rotated 180 -> green bottom-right, blue on the left.
  auto o3 = DecodeImage(JpegWithOrientation(3));
  ASSERT_TRUE(o3.ok());
  EXPECT_EQ(o3->size(), cv::Size(40, 20));
  EXPECT_TRUE(Near(o3->at<cv::Vec3b>(17, 37), {0, 255, 0}));
  EXPECT_TRUE(Near(o3->at<cv::Vec3b>(10, 10), {255, 0, 0}));

  // 8: rotated 90 counter-clockwise -> green bottom-left, blue on top.
  auto o8 = DecodeImage(JpegWithOrientation(8));
  ASSERT_TRUE(o8.ok());
  EXPECT_EQ(o8->size(), cv::Size(20, 40));
  EXPECT_TRUE(Near(o8->at<cv::Vec3b>(37, 2), {0, 255, 0}));
  EXPECT_TRUE(Near(o8->at<cv::Vec3b>(10, 10), {255, 0, 0}));
}

TEST(ReadImageFileTest, MissingFileIsNotFoundAndPathIsInErrors) {
  auto r = ReadImageFile("/nonexistent/dir/photo.jpg");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsNotFound());

  const std::string empty = ::testing::TempDir() + "/empty.jpg";
  std::ofstream(empty).close();
  auto e = ReadImageFile(empty);
  ASSERT_FALSE(e.ok());
  EXPECT_TRUE(e.status().IsInvalidArgument());
  EXPECT_NE(e.status().message().find(empty), std::string::npos);

  const std::string good = ::testing::TempDir() + "/card.png";
  ASSERT_TRUE(cv::imwrite(good, Card()));
  auto g = ReadImageFile(good);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(g->size(), cv::Size(40, 20));
}

}  // namespace
}  // namespace moodtune
