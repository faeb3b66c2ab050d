// The EXIF orientation parser (exif.h): all eight orientations in both byte orders, and
// malformed, truncated or hostile segments, which must read as 1 without reading outside
// the bytes (each case is its own exactly-sized heap buffer, so ASan sees an overrun).
#include "exif.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <vector>

namespace moodtune {
namespace {

using Bytes = std::vector<std::uint8_t>;

void Put16(Bytes& b, std::size_t at, std::uint32_t v, bool little) {
  b[at + (little ? 0 : 1)] = v & 0xFF;
  b[at + (little ? 1 : 0)] = (v >> 8) & 0xFF;
}
void Put32(Bytes& b, std::size_t at, std::uint32_t v, bool little) {
  Put16(b, at + (little ? 0 : 2), v & 0xFFFF, little);
  Put16(b, at + (little ? 2 : 0), v >> 16, little);
}

// "Exif\0\0" + TIFF header + IFD0 with `entries` entries; the Orientation entry (if any)
// last, after an unrelated tag, so the parser has to walk.
Bytes App1(std::uint32_t orientation, bool little, std::uint16_t type = 3,
           std::uint32_t count = 1) {
  const std::size_t t = 6;  // the TIFF header's offset
  Bytes b(t + 8 + 2 + 2 * 12 + 4, 0);
  std::memcpy(b.data(), "Exif\0\0", 6);
  b[t] = b[t + 1] = little ? 'I' : 'M';
  Put16(b, t + 2, 42, little);
  Put32(b, t + 4, 8, little);  // IFD0 right after the header
  Put16(b, t + 8, 2, little);
  std::size_t e = t + 10;
  Put16(b, e, 0x010F, little);  // Make, ASCII: skipped
  Put16(b, e + 2, 2, little);
  Put32(b, e + 4, 4, little);
  e += 12;
  Put16(b, e, 0x0112, little);
  Put16(b, e + 2, type, little);
  Put32(b, e + 4, count, little);
  Put16(b, e + 8, orientation, little);
  return b;
}

Bytes Segment(std::uint8_t marker, const Bytes& payload) {
  Bytes s(4 + payload.size());
  s[0] = 0xFF;
  s[1] = marker;
  s[2] = static_cast<std::uint8_t>((payload.size() + 2) >> 8);
  s[3] = static_cast<std::uint8_t>((payload.size() + 2) & 0xFF);
  std::copy(payload.begin(), payload.end(), s.begin() + 4);
  return s;
}

// SOI, the given segments, then a token scan and EOI (enough for the marker walk).
Bytes Jpeg(std::initializer_list<Bytes> segments) {
  Bytes j = {0xFF, 0xD8};
  for (const Bytes& s : segments) j.insert(j.end(), s.begin(), s.end());
  const Bytes tail = {0xFF, 0xDA, 0x00, 0x02, 0x12, 0x34, 0xFF, 0xD9};
  j.insert(j.end(), tail.begin(), tail.end());
  return j;
}

TEST(ExifTest, ReadsAllEightOrientationsInBothByteOrders) {
  for (bool little : {true, false}) {
    for (int o = 1; o <= 8; ++o) {
      EXPECT_EQ(ParseExifOrientation(App1(o, little)), o) << "little " << little;
      EXPECT_EQ(JpegExifOrientation(Jpeg({Segment(0xE1, App1(o, little))})), o);
    }
  }
}

TEST(ExifTest, ValuesOutsideOneToEightAndOtherTypesReadAsOne) {
  for (std::uint32_t v : {0u, 9u, 255u, 0xFFFFu}) EXPECT_EQ(ParseExifOrientation(App1(v, true)), 1);
  EXPECT_EQ(ParseExifOrientation(App1(6, true, /*type=*/4)), 1);  // LONG
  EXPECT_EQ(ParseExifOrientation(App1(6, true, /*type=*/3, /*count=*/0)), 1);
}

TEST(ExifTest, MalformedHeadersReadAsOne) {
  Bytes b = App1(6, true);
  Bytes bad_magic = b;
  bad_magic[0] = 'X';
  EXPECT_EQ(ParseExifOrientation(bad_magic), 1);
  Bytes bad_order = b;
  bad_order[6] = 'I';
  bad_order[7] = 'M';
  EXPECT_EQ(ParseExifOrientation(bad_order), 1);
  Bytes bad_42 = b;
  bad_42[8] = 43;
  EXPECT_EQ(ParseExifOrientation(bad_42), 1);
  EXPECT_EQ(ParseExifOrientation({}), 1);
}

TEST(ExifTest, HugeOffsetsAndCountsNeverReadOutside) {
  for (std::uint32_t ifd : {0xFFFFFFFFu, 0xFFFFFFFEu, 0x80000000u, 37u, 36u, 35u}) {
    Bytes b = App1(6, true);
    Put32(b, 6 + 4, ifd, true);
    EXPECT_EQ(ParseExifOrientation(b), 1) << ifd;
  }
  Bytes many = App1(6, false);
  Put16(many, 6 + 8, 0xFFFF, false);  // 65535 entries claimed, 2 present, then the end
  many.resize(6 + 8 + 2 + 12);        // ... and the Orientation entry cut off
  EXPECT_EQ(ParseExifOrientation(many), 1);
}

TEST(ExifTest, EveryTruncationReadsAsOne) {
  const Bytes full = App1(6, true);
  for (std::size_t n = 0; n < full.size(); ++n) {
    const Bytes cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    // Only a cut inside the trailing next-IFD offset still holds the whole entry.
    EXPECT_EQ(ParseExifOrientation(cut), n >= full.size() - 4 ? 6 : 1) << n;
  }
  const Bytes jpeg = Jpeg({Segment(0xE1, full)});
  for (std::size_t n = 0; n < jpeg.size(); ++n) {
    const Bytes cut(jpeg.begin(), jpeg.begin() + static_cast<std::ptrdiff_t>(n));
    const int o = JpegExifOrientation(cut);
    EXPECT_TRUE(o == 1 || o == 6) << n;
  }
}

TEST(ExifTest, JpegWalkFindsTheExifSegmentAmongOthers) {
  const Bytes jfif = Segment(0xE0, {'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0});
  const Bytes xmp = Segment(0xE1, {'h', 't', 't', 'p', ':', '/', '/', 'n', 's', 0});
  EXPECT_EQ(JpegExifOrientation(Jpeg({jfif, xmp, Segment(0xE1, App1(8, false))})), 8);
  // Fill bytes before a marker are allowed.
  Bytes filled = Jpeg({Segment(0xE1, App1(3, true))});
  filled.insert(filled.begin() + 2, {0xFF, 0xFF});
  EXPECT_EQ(JpegExifOrientation(filled), 3);
  // After the first scan it is not looked for.
  Bytes late = Jpeg({});
  const Bytes seg = Segment(0xE1, App1(6, true));
  late.insert(late.end() - 2, seg.begin(), seg.end());
  EXPECT_EQ(JpegExifOrientation(late), 1);
  // A segment length running past the end, or below 2.
  Bytes overlong = Jpeg({Segment(0xE1, App1(6, true))});
  overlong[4] = 0xFF;
  EXPECT_EQ(JpegExifOrientation(overlong), 1);
  Bytes zero = overlong;
  zero[4] = 0;
  zero[5] = 1;
  EXPECT_EQ(JpegExifOrientation(zero), 1);
  EXPECT_EQ(JpegExifOrientation(Bytes{0xFF, 0xD8}), 1);
  EXPECT_EQ(JpegExifOrientation(Bytes{0x89, 'P', 'N', 'G'}), 1);
}

// The eight transforms on a 2x3 image of distinct values, by the EXIF definition of each
// (where the stored image's first row and column end up when displayed).
TEST(ExifTest, ApplyOrientationMatchesTheExifDefinitions) {
  const cv::Mat s = (cv::Mat_<std::uint8_t>(2, 3) << 1, 2, 3, 4, 5, 6);
  auto as_vec = [](const cv::Mat& m) {
    std::vector<int> v;
    for (int y = 0; y < m.rows; ++y)
      for (int x = 0; x < m.cols; ++x) v.push_back(m.at<std::uint8_t>(y, x));
    return std::pair(m.size(), v);
  };
  using V = std::vector<int>;
  const cv::Size wide(3, 2), tall(2, 3);
  EXPECT_EQ(as_vec(ApplyExifOrientation(s, 1)), std::pair(wide, V{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(as_vec(ApplyExifOrientation(s, 2)), std::pair(wide, V{3, 2, 1, 6, 5, 4}));
  EXPECT_EQ(as_vec(ApplyExifOrientation(s, 3)), std::pair(wide, V{6, 5, 4, 3, 2, 1}));
  EXPECT_EQ(as_vec(ApplyExifOrientation(s, 4)), std::pair(wide, V{4, 5, 6, 1, 2, 3}));
  EXPECT_EQ(as_vec(ApplyExifOrientation(s, 5)), std::pair(tall, V{1, 4, 2, 5, 3, 6}));
  EXPECT_EQ(as_vec(ApplyExifOrientation(s, 6)), std::pair(tall, V{4, 1, 5, 2, 6, 3}));
  EXPECT_EQ(as_vec(ApplyExifOrientation(s, 7)), std::pair(tall, V{6, 3, 5, 2, 4, 1}));
  EXPECT_EQ(as_vec(ApplyExifOrientation(s, 8)), std::pair(tall, V{3, 6, 2, 5, 1, 4}));
  EXPECT_EQ(as_vec(ApplyExifOrientation(s, 0)), as_vec(s));
  EXPECT_EQ(as_vec(ApplyExifOrientation(s, 9)), as_vec(s));
}

}  // namespace
}  // namespace moodtune
