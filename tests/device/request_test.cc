#include "moodtune_core/request.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace moodtune::device {
namespace {

std::vector<std::uint8_t> FakeJpeg(std::size_t n) {
  std::vector<std::uint8_t> j(n);
  for (std::size_t i = 0; i < n; ++i) j[i] = static_cast<std::uint8_t>(i * 31 + 7);
  j[0] = 0xFF;
  j[1] = 0xD8;
  return j;
}

std::string Assemble(const UploadRequest& r) {
  std::string s(r.head, r.head_len);
  s.append(reinterpret_cast<const char*>(r.jpeg), r.jpeg_len);
  s.append(r.tail, r.tail_len);
  return s;
}

TEST(RequestBuilder, RawBodyIsTheJpegItself) {
  const auto jpeg = FakeJpeg(1000);
  RequestBuilder b;
  UploadRequest r;
  ASSERT_TRUE(b.Build(UploadEncoding::kRawJpeg, jpeg.data(), jpeg.size(), "cam-1", nullptr, 42, &r));
  EXPECT_STREQ(r.content_type, "image/jpeg");
  EXPECT_STREQ(r.device_id, "cam-1");
  EXPECT_EQ(r.head_len, 0u);
  EXPECT_EQ(r.tail_len, 0u);
  EXPECT_EQ(r.jpeg, jpeg.data()) << "the JPEG must not be copied";
  EXPECT_EQ(r.content_length(), jpeg.size());
}

TEST(RequestBuilder, MultipartHasOneImagePart) {
  const auto jpeg = FakeJpeg(5000);
  RequestBuilder b;
  UploadRequest r;
  ASSERT_TRUE(b.Build(UploadEncoding::kMultipart, jpeg.data(), jpeg.size(), nullptr, nullptr, 7, &r));
  const std::string boundary = b.boundary();
  ASSERT_EQ(boundary.size(), kBoundaryLen);
  EXPECT_EQ(std::string(r.content_type), "multipart/form-data; boundary=" + boundary);
  EXPECT_STREQ(r.device_id, "");
  const std::string body = Assemble(r);
  EXPECT_EQ(body.size(), r.content_length());
  const std::string head = "--" + boundary +
                           "\r\nContent-Disposition: form-data; name=\"image\"; "
                           "filename=\"capture.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n";
  EXPECT_EQ(body.substr(0, head.size()), head);
  EXPECT_EQ(body.substr(head.size(), jpeg.size()),
            std::string(reinterpret_cast<const char*>(jpeg.data()), jpeg.size()));
  EXPECT_EQ(body.substr(head.size() + jpeg.size()), "\r\n--" + boundary + "--\r\n");
}

TEST(RequestBuilder, BoundaryDependsOnSeed) {
  const auto jpeg = FakeJpeg(100);
  RequestBuilder a, b;
  UploadRequest r;
  ASSERT_TRUE(a.Build(UploadEncoding::kMultipart, jpeg.data(), jpeg.size(), "", nullptr, 1, &r));
  ASSERT_TRUE(b.Build(UploadEncoding::kMultipart, jpeg.data(), jpeg.size(), "", nullptr, 2, &r));
  EXPECT_STRNE(a.boundary(), b.boundary());
}

TEST(RequestBuilder, BoundaryFoundInJpegIsRedrawn) {
  auto jpeg = FakeJpeg(4000);
  RequestBuilder probe;
  UploadRequest r;
  ASSERT_TRUE(probe.Build(UploadEncoding::kMultipart, jpeg.data(), jpeg.size(), "", nullptr, 99, &r));
  const std::string first = probe.boundary();
  // Plant the boundary that seed 99 draws first inside the image.
  std::copy(first.begin(), first.end(), jpeg.begin() + 1000);
  ASSERT_TRUE(Contains(jpeg.data(), jpeg.size(), first.c_str(), first.size()));
  RequestBuilder b;
  ASSERT_TRUE(b.Build(UploadEncoding::kMultipart, jpeg.data(), jpeg.size(), "", nullptr, 99, &r));
  EXPECT_NE(std::string(b.boundary()), first);
  EXPECT_FALSE(Contains(jpeg.data(), jpeg.size(), b.boundary(), kBoundaryLen));
}

TEST(RequestBuilder, RejectsEmptyJpegAndBadDeviceIds) {
  const auto jpeg = FakeJpeg(10);
  RequestBuilder b;
  UploadRequest r;
  EXPECT_FALSE(b.Build(UploadEncoding::kRawJpeg, jpeg.data(), 0, "", nullptr, 1, &r));
  EXPECT_FALSE(b.Build(UploadEncoding::kRawJpeg, nullptr, 10, "", nullptr, 1, &r));
  EXPECT_FALSE(b.Build(UploadEncoding::kRawJpeg, jpeg.data(), jpeg.size(), "has space", nullptr, 1, &r));
  EXPECT_FALSE(b.Build(UploadEncoding::kRawJpeg, jpeg.data(), jpeg.size(), "crlf\r\nX-Evil: 1", nullptr, 1, &r));
  const std::string too_long(kMaxDeviceIdLen + 1, 'a');
  EXPECT_FALSE(b.Build(UploadEncoding::kRawJpeg, jpeg.data(), jpeg.size(), too_long.c_str(), nullptr, 1, &r));
  const std::string longest(kMaxDeviceIdLen, 'a');
  EXPECT_TRUE(b.Build(UploadEncoding::kRawJpeg, jpeg.data(), jpeg.size(), longest.c_str(), nullptr, 1, &r));
}

TEST(RequestBuilder, ApiKeyBecomesABearerAuthorizationHeader) {
  const auto jpeg = FakeJpeg(10);
  RequestBuilder b;
  UploadRequest r;
  ASSERT_TRUE(b.Build(UploadEncoding::kRawJpeg, jpeg.data(), jpeg.size(), "cam-1", "s3cr3t-K3y",
                      1, &r));
  EXPECT_STREQ(r.authorization, "Bearer s3cr3t-K3y");
  // Without a key no header is sent, and a previous key does not linger.
  ASSERT_TRUE(b.Build(UploadEncoding::kMultipart, jpeg.data(), jpeg.size(), "cam-1", "", 1, &r));
  EXPECT_STREQ(r.authorization, "");
  ASSERT_TRUE(b.Build(UploadEncoding::kRawJpeg, jpeg.data(), jpeg.size(), "cam-1", nullptr, 1, &r));
  EXPECT_STREQ(r.authorization, "");
}

TEST(RequestBuilder, RejectsApiKeysThatCouldBreakTheHeader) {
  const auto jpeg = FakeJpeg(10);
  RequestBuilder b;
  UploadRequest r;
  EXPECT_FALSE(b.Build(UploadEncoding::kRawJpeg, jpeg.data(), jpeg.size(), "", "two words", 1, &r));
  EXPECT_FALSE(
      b.Build(UploadEncoding::kRawJpeg, jpeg.data(), jpeg.size(), "", "k\r\nX-Evil: 1", 1, &r));
  EXPECT_STREQ(r.authorization, "") << "a failed Build leaves no header behind";
  const std::string too_long(kMaxApiKeyLen + 1, 'k');
  EXPECT_FALSE(b.Build(UploadEncoding::kRawJpeg, jpeg.data(), jpeg.size(), "", too_long.c_str(),
                       1, &r));
  const std::string longest(kMaxApiKeyLen, 'k');
  ASSERT_TRUE(b.Build(UploadEncoding::kRawJpeg, jpeg.data(), jpeg.size(), "", longest.c_str(), 1,
                      &r));
  EXPECT_EQ(std::string(r.authorization), "Bearer " + longest);
  EXPECT_TRUE(IsValidApiKey("abc"));
  EXPECT_FALSE(IsValidApiKey(""));
  EXPECT_FALSE(IsValidApiKey(nullptr));
  EXPECT_FALSE(IsValidApiKey("caf\xc3\xa9"));
}

TEST(RequestBuilder, ContainsFindsEdges) {
  const std::uint8_t hay[] = {'a', 'b', 'c', 'd'};
  EXPECT_TRUE(Contains(hay, 4, "ab", 2));
  EXPECT_TRUE(Contains(hay, 4, "cd", 2));
  EXPECT_FALSE(Contains(hay, 4, "de", 2));
  EXPECT_FALSE(Contains(hay, 3, "cd", 2));
}

}  // namespace
}  // namespace moodtune::device
