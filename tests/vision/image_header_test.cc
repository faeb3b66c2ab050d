#include "image_header.h"

#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <vector>

#include "common/skip.h"

namespace moodtune {
namespace {

std::vector<std::uint8_t> Encode(const char* ext, int w, int h) {
  std::vector<std::uint8_t> out;
  cv::imencode(ext, cv::Mat(h, w, CV_8UC3, cv::Scalar(10, 20, 30)), out);
  return out;
}

TEST(ImageHeaderTest, ReadsSizesOfEncodedImages) {
  struct Case {
    const char* ext;
    ImageFormat format;
  };
  for (Case c : {Case{".jpg", ImageFormat::kJpeg}, Case{".png", ImageFormat::kPng},
                 Case{".bmp", ImageFormat::kBmp}}) {
    auto h = ProbeImageHeader(Encode(c.ext, 37, 21));
    ASSERT_TRUE(h.ok()) << c.ext << " " << h.status().ToString();
    EXPECT_EQ(h->format, c.format) << c.ext;
    EXPECT_EQ(h->width, 37) << c.ext;
    EXPECT_EQ(h->height, 21) << c.ext;
    EXPECT_TRUE(h->complete) << c.ext;
  }
}

TEST(ImageHeaderTest, ReadsWebpSizeWhenTheCodecIsBuilt) {
  if (!cv::haveImageWriter(".webp")) MOODTUNE_SKIP_OR_FAIL("OpenCV built without WebP");
  auto h = ProbeImageHeader(Encode(".webp", 37, 21));
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(h->format, ImageFormat::kWebp);
  EXPECT_EQ(h->width, 37);
  EXPECT_EQ(h->height, 21);
}

TEST(ImageHeaderTest, TruncatedStreamsAreIncomplete) {
  for (const char* ext : {".jpg", ".png"}) {
    auto bytes = Encode(ext, 64, 64);
    bytes.resize(bytes.size() * 2 / 3);
    auto h = ProbeImageHeader(bytes);
    ASSERT_TRUE(h.ok()) << ext;
    EXPECT_FALSE(h->complete) << ext;
  }
}

TEST(ImageHeaderTest, RejectsEmptyAndUnknownBytes) {
  EXPECT_TRUE(ProbeImageHeader({}).status().IsInvalidArgument());
  const std::vector<std::uint8_t> text = {'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd'};
  EXPECT_TRUE(ProbeImageHeader(text).status().IsInvalidArgument());
  const std::vector<std::uint8_t> jpeg_magic_only = {0xFF, 0xD8, 0xFF};
  EXPECT_TRUE(ProbeImageHeader(jpeg_magic_only).status().IsInvalidArgument());
}

TEST(ImageHeaderTest, HandBuiltJpegSofHeader) {
  // SOI, SOF0 (len 11: precision 8, height 0x0123, width 0x0456, 1 component), EOI.
  const std::vector<std::uint8_t> b = {0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x01, 0x23,
                                       0x04, 0x56, 0x01, 0x01, 0x11, 0x00, 0xFF, 0xD9};
  auto h = ProbeImageHeader(b);
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(h->width, 0x456);
  EXPECT_EQ(h->height, 0x123);
  EXPECT_TRUE(h->complete);
}

}  // namespace
}  // namespace moodtune
