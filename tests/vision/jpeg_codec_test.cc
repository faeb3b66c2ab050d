// JPEG through libjpeg-turbo (jpeg_codec.h, EncodeJpeg): the decoder this replaced was
// OpenCV's imdecode over the same libjpeg-turbo, so decoded pixels must be identical to it
// (colour, gray, the reduced scales, CMYK, EXIF orientation), and encode -> decode must give
// the image back.
#include "jpeg_codec.h"

#include <gtest/gtest.h>
#include <turbojpeg.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <thread>
#include <vector>

#include "moodtune/media.h"
#include "moodtune/vision.h"

namespace moodtune {
namespace {

using Bytes = std::vector<std::uint8_t>;

// A photo-like image: smooth gradients plus noise, so every DCT path is exercised.
cv::Mat Scene(int w, int h) {
  cv::Mat m(h, w, CV_8UC3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      m.at<cv::Vec3b>(y, x) = {static_cast<std::uint8_t>(x * 255 / w),
                               static_cast<std::uint8_t>(y * 255 / h),
                               static_cast<std::uint8_t>((x + y) % 256)};
  cv::Mat noise(h, w, CV_8UC3);
  cv::randu(noise, cv::Scalar::all(0), cv::Scalar::all(40));
  return m + noise;
}

Bytes CvEncode(const cv::Mat& m, std::vector<int> params = {}) {
  Bytes out;
  EXPECT_TRUE(cv::imencode(".jpg", m, out, params));
  return out;
}

cv::Mat CvDecode(const Bytes& b, int flags) { return cv::imdecode(b, flags); }

// TurboJPEG's own encoder, for what OpenCV 4.6's imencode cannot write (4:4:4, CMYK).
Bytes TjEncode(const cv::Mat& m, int pixel_format, int subsamp) {
  tjhandle tj = tjInitCompress();
  EXPECT_NE(tj, nullptr);
  unsigned char* buf = nullptr;
  unsigned long size = 0;
  EXPECT_EQ(tjCompress2(tj, m.data, m.cols, 0, m.rows, pixel_format, &buf, &size, subsamp, 90, 0),
            0)
      << tjGetErrorStr2(tj);
  Bytes out(buf, buf + size);
  tjFree(buf);
  tjDestroy(tj);
  return out;
}

bool Same(const cv::Mat& a, const cv::Mat& b) {
  return a.size() == b.size() && a.type() == b.type() && cv::norm(a, b, cv::NORM_INF) == 0;
}

TEST(JpegCodecTest, DecodesExactlyAsOpenCvDid) {
  const cv::Mat scene = Scene(333, 251);  // odd sizes: partial MCUs, rounded-up scaling
  const Bytes j420 = CvEncode(scene);
  const Bytes j444 = TjEncode(scene, TJPF_BGR, TJSAMP_444);
  const Bytes progressive = CvEncode(scene, {cv::IMWRITE_JPEG_PROGRESSIVE, 1});
  for (const Bytes* b : {&j420, &j444, &progressive}) {
    auto full = DecodeImage(*b);
    ASSERT_TRUE(full.ok()) << full.status().ToString();
    EXPECT_TRUE(Same(*full, CvDecode(*b, cv::IMREAD_COLOR)));
    auto gray = DecodeImageGray(*b);
    ASSERT_TRUE(gray.ok()) << gray.status().ToString();
    EXPECT_TRUE(Same(*gray, CvDecode(*b, cv::IMREAD_GRAYSCALE)));
    for (auto [k, flag] :
         {std::pair{2, cv::IMREAD_REDUCED_COLOR_2}, std::pair{4, cv::IMREAD_REDUCED_COLOR_4},
          std::pair{8, cv::IMREAD_REDUCED_COLOR_8}}) {
      auto r = DecodeJpeg(*b, {k, false, 0});
      ASSERT_TRUE(r.ok()) << k << " " << r.status().ToString();
      EXPECT_TRUE(Same(*r, CvDecode(*b, flag))) << k;
    }
  }
  const cv::Mat gray_scene = [&] {
    cv::Mat g;
    cv::cvtColor(scene, g, cv::COLOR_BGR2GRAY);
    return g;
  }();
  const Bytes gray_jpeg = CvEncode(gray_scene);
  auto g = DecodeImage(gray_jpeg);
  ASSERT_TRUE(g.ok());
  EXPECT_TRUE(Same(*g, CvDecode(gray_jpeg, cv::IMREAD_COLOR)));
}

// Every EXIF orientation gives what OpenCV's imdecode gave for the same bytes.
TEST(JpegCodecTest, ExifOrientationsMatchOpenCv) {
  const Bytes plain = CvEncode(Scene(48, 32));
  for (int o = 1; o <= 8; ++o) {
    // APP1 Exif, big-endian TIFF, IFD0 with only Orientation.
    Bytes seg = {0xFF, 0xE1, 0, 34, 'E', 'x', 'i', 'f', 0, 0,
                 'M',  'M',  0, 42, 0,   0,   0,   8,   0, 1,
                 0x01, 0x12, 0, 3,  0,   0,   0,   1,   0, static_cast<std::uint8_t>(o),
                 0,    0,    0, 0,  0,   0};
    Bytes jpeg = plain;
    jpeg.insert(jpeg.begin() + 2, seg.begin(), seg.end());
    auto img = DecodeImage(jpeg);
    ASSERT_TRUE(img.ok()) << o << " " << img.status().ToString();
    EXPECT_TRUE(Same(*img, CvDecode(jpeg, cv::IMREAD_COLOR))) << "orientation " << o;
    EXPECT_EQ(img->cols, o >= 5 ? 32 : 48) << o;
  }
}

// Adobe CMYK JPEGs (print workflows, some scanners): libjpeg hands out CMYK only; the
// conversion is OpenCV's.
TEST(JpegCodecTest, CmykJpegsDecodeAsOpenCvDid) {
  cv::Mat cmyk(24, 40, CV_8UC4);
  cv::randu(cmyk, cv::Scalar::all(0), cv::Scalar::all(256));
  const Bytes jpeg = TjEncode(cmyk, TJPF_CMYK, TJSAMP_444);
  ASSERT_FALSE(jpeg.empty());
  auto img = DecodeImage(jpeg);
  ASSERT_TRUE(img.ok()) << img.status().ToString();
  EXPECT_EQ(img->type(), CV_8UC3);
  EXPECT_TRUE(Same(*img, CvDecode(jpeg, cv::IMREAD_COLOR)));
  auto gray = DecodeImageGray(jpeg);
  ASSERT_TRUE(gray.ok());
  EXPECT_EQ(gray->type(), CV_8UC1);
  EXPECT_EQ(gray->size(), cv::Size(40, 24));
}

// libjpeg warns about (and decodes) corrupt but complete streams, as OpenCV accepted them.
TEST(JpegCodecTest, CorruptButCompleteStreamsDecodeLikeOpenCv) {
  Bytes jpeg = CvEncode(Scene(64, 48));
  jpeg.insert(jpeg.end() - 2, {0x12, 0x34, 0x56});  // extraneous bytes before EOI
  auto img = DecodeImage(jpeg);
  ASSERT_TRUE(img.ok()) << img.status().ToString();
  EXPECT_TRUE(Same(*img, CvDecode(jpeg, cv::IMREAD_COLOR)));
  // Garbage in the entropy-coded data: whatever libjpeg makes of it, never a crash; when it
  // decodes, the size is the header's.
  Bytes noisy = CvEncode(Scene(64, 48));
  for (std::size_t i = noisy.size() / 2; i < noisy.size() / 2 + 40; ++i) noisy[i] ^= 0x5A;
  auto n = DecodeImage(noisy);
  if (n.ok()) {
    EXPECT_EQ(n->size(), cv::Size(64, 48));
  } else {
    EXPECT_TRUE(n.status().IsInvalidArgument()) << n.status().ToString();
  }
}

TEST(JpegCodecTest, RefusesAboveTheLimitFromLibjpegsOwnHeader) {
  const Bytes jpeg = CvEncode(Scene(40, 30));
  auto r = DecodeJpeg(jpeg, {1, false, 40 * 30 - 1});
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsResourceExhausted());
  EXPECT_TRUE(DecodeJpeg(jpeg, {1, false, 40 * 30}).ok());
  EXPECT_TRUE(DecodeJpeg(Bytes{0xFF, 0xD8, 0xFF, 0xD9}, {}).status().IsInvalidArgument());
  EXPECT_TRUE(DecodeJpeg({}, {}).status().IsInvalidArgument());
}

TEST(JpegCodecTest, ScalingFactorsIncludeTheServersReductions) {
  for (int k : {1, 2, 4, 8}) EXPECT_TRUE(JpegCanReduceBy(k)) << k;
  EXPECT_FALSE(JpegCanReduceBy(3));
  EXPECT_FALSE(JpegCanReduceBy(16));
}

TEST(EncodeJpegTest, RoundTripsBgrGrayAndBgra) {
  const cv::Mat scene = Scene(120, 80);
  auto bgr = EncodeJpeg(scene, 95);
  ASSERT_TRUE(bgr.ok()) << bgr.status().ToString();
  auto back = DecodeImage(*bgr);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->size(), scene.size());
  // The pixels OpenCV's own encoder gave at that quality (same libjpeg, same settings).
  EXPECT_TRUE(
      Same(*back, CvDecode(CvEncode(scene, {cv::IMWRITE_JPEG_QUALITY, 95}), cv::IMREAD_COLOR)));
  EXPECT_LT(cv::norm(*back, scene, cv::NORM_L1) / scene.total() / 3, 10.0);  // mean abs error

  cv::Mat gray;
  cv::cvtColor(scene, gray, cv::COLOR_BGR2GRAY);
  auto g = EncodeJpeg(gray, 90);
  ASSERT_TRUE(g.ok());
  auto gback = DecodeImageGray(*g);
  ASSERT_TRUE(gback.ok());
  EXPECT_LT(cv::norm(*gback, gray, cv::NORM_L1) / gray.total(), 10.0);

  cv::Mat bgra;
  cv::cvtColor(scene, bgra, cv::COLOR_BGR2BGRA);
  auto a = EncodeJpeg(bgra, 95);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*a, *bgr);  // alpha dropped, same pixels

  // A view into a larger image (row pitch != width * 3).
  const cv::Mat big = Scene(200, 100);
  const cv::Mat roi = big(cv::Rect(10, 5, 120, 80));
  auto r = EncodeJpeg(roi, 95);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, *EncodeJpeg(roi.clone(), 95));  // the view reads as its contiguous copy

  // Smaller at lower quality.
  auto low = EncodeJpeg(scene, 30);
  ASSERT_TRUE(low.ok());
  EXPECT_LT(low->size(), bgr->size());
}

TEST(EncodeJpegTest, RefusesWhatJpegCannotHold) {
  EXPECT_TRUE(EncodeJpeg(cv::Mat(), 90).status().IsInvalidArgument());
  EXPECT_TRUE(
      EncodeJpeg(cv::Mat(8, 8, CV_16UC3, cv::Scalar::all(1)), 90).status().IsInvalidArgument());
  EXPECT_TRUE(
      EncodeJpeg(cv::Mat(8, 8, CV_8UC2, cv::Scalar::all(1)), 90).status().IsInvalidArgument());
  EXPECT_TRUE(EncodeJpeg(Scene(8, 8), 0).status().IsInvalidArgument());
  EXPECT_TRUE(EncodeJpeg(Scene(8, 8), 101).status().IsInvalidArgument());
  EXPECT_TRUE(EncodeJpeg(Scene(8, 8), 1).ok());
  EXPECT_TRUE(EncodeJpeg(Scene(8, 8), 100).ok());
}

// The server decodes and encodes on its worker threads at once.
TEST(JpegCodecTest, ConcurrentDecodeAndEncodeAgree) {
  const cv::Mat scene = Scene(320, 240);
  const Bytes jpeg = CvEncode(scene);
  const cv::Mat expected = CvDecode(jpeg, cv::IMREAD_COLOR);
  const Bytes encoded = *EncodeJpeg(scene, 85);
  std::vector<std::thread> threads;
  std::vector<int> good(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        auto d = DecodeImage(jpeg);
        auto e = EncodeJpeg(scene, 85);
        if (d.ok() && Same(*d, expected) && e.ok() && *e == encoded) ++good[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int g : good) EXPECT_EQ(g, 25);
}

}  // namespace
}  // namespace moodtune
