// Issue 11: the request-body decoders the server owns since the move to Boost.Beast.
#include "form.h"

#include <gtest/gtest.h>

#include <random>

namespace moodtune::server {
namespace {

const std::string kBody =
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"files\"; filename=\"a b.jpg\"\r\n"
    "Content-Type: image/jpeg\r\n"
    "\r\n"
    "\xff\xd8\r\n--X not the boundary\r\n"
    "--XyZ\r\n"
    "content-disposition: form-data; name=\"genre\"\r\n"
    "\r\n"
    "pop,rock\r\n"
    "--XyZ--\r\n";

TEST(FormTest, PercentDecodingIsStrict) {
  EXPECT_EQ(PercentDecode("a%20b+c", true), "a b c");
  EXPECT_EQ(PercentDecode("a%20b+c", false), "a b+c");
  EXPECT_EQ(PercentDecode("%E2%82%AC", false), "\xE2\x82\xAC");
  for (const char* bad : {"%", "%2", "%zz", "a%2", "%%"})
    EXPECT_FALSE(PercentDecode(bad, true)) << bad;
}

TEST(FormTest, UrlEncodedFieldsAreDecodedAndCounted) {
  auto f = ParseUrlEncoded("n=3&&genre=pop%2Crock&empty=&flag");
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  ASSERT_EQ(f->size(), 4u);
  EXPECT_EQ((*f)[1], (std::pair<std::string, std::string>{"genre", "pop,rock"}));
  EXPECT_EQ((*f)[2].second, "");
  EXPECT_EQ((*f)[3].first, "flag");
  EXPECT_FALSE(ParseUrlEncoded("a=%zz").ok());
  std::string many;
  for (int i = 0; i < 65; ++i) many += "k=v&";
  EXPECT_FALSE(ParseUrlEncoded(many).ok());  // 64 fields at most
}

TEST(FormTest, BoundaryFollowsRfc2046) {
  EXPECT_EQ(MultipartBoundary("multipart/form-data; boundary=XyZ"), "XyZ");
  EXPECT_EQ(MultipartBoundary("Multipart/Form-Data;boundary=\"q q\""), "q q");
  EXPECT_FALSE(MultipartBoundary("multipart/form-data"));
  EXPECT_FALSE(MultipartBoundary("multipart/form-data; boundary="));
  EXPECT_FALSE(MultipartBoundary("multipart/form-data; boundary=\"a \""));  // ends in space
  EXPECT_FALSE(MultipartBoundary("multipart/form-data; boundary=" + std::string(71, 'a')));
  EXPECT_FALSE(MultipartBoundary("multipart/form-data; boundary=a\x01"));
  EXPECT_FALSE(MultipartBoundary("text/plain; boundary=a"));
}

TEST(FormTest, MultipartPartsAreFoundExactly) {
  auto parts = ParseMultipart(kBody, "XyZ");
  ASSERT_TRUE(parts.ok()) << parts.status().ToString();
  ASSERT_EQ(parts->size(), 2u);
  EXPECT_EQ((*parts)[0].name, "files");
  EXPECT_EQ((*parts)[0].filename, "a b.jpg");
  EXPECT_EQ((*parts)[0].content_type, "image/jpeg");
  EXPECT_EQ((*parts)[0].content, "\xff\xd8\r\n--X not the boundary");
  EXPECT_EQ((*parts)[1].name, "genre");
  EXPECT_EQ((*parts)[1].filename, "");
  EXPECT_EQ((*parts)[1].content, "pop,rock");
  // Without the final CRLF, as some clients send it.
  EXPECT_TRUE(ParseMultipart(kBody.substr(0, kBody.size() - 2), "XyZ").ok());
}

TEST(FormTest, MalformedMultipartIsRefusedWithItsReason) {
  const std::string part = "Content-Disposition: form-data; name=\"n\"\r\n\r\n3\r\n";
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"preamble\r\n--b\r\n" + part + "--b--", "does not start"},
      {"--b\r\n" + part, "ends inside a part"},
      {"--b\r\n" + part + "--b--trailing", "after the closing"},
      {"--b\r\nContent-Disposition: form-data\r\n\r\nx\r\n--b--", "no name"},
      {"--b\r\nContent-Disposition: attachment; name=\"n\"\r\n\r\nx\r\n--b--", "form-data"},
      {"--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--", "no Content-Disposition"},
      {"--b\r\nContent-Disposition: form-data; name=\"n\r\n\r\nx\r\n--b--", "form-data"},
      {"--bX" + part, "not followed by CRLF"},
      {"--b\r\n" + std::string(20000, 'h') + "\r\n\r\nx\r\n--b--", "do not end"},
  };
  for (const auto& [body, why] : bad) {
    auto parts = ParseMultipart(body, "b");
    ASSERT_FALSE(parts.ok()) << body.substr(0, 60);
    EXPECT_NE(parts.status().message().find(why), std::string::npos)
        << parts.status().message() << " / expected " << why;
  }
  std::string many;
  for (int i = 0; i < 65; ++i) many += "--b\r\n" + part;
  EXPECT_FALSE(ParseMultipart(many + "--b--", "b").ok());  // 64 parts at most
}

// Random mutations of a valid body (flips, cuts, duplications, inserted delimiters): the
// parser never crashes, and every part it returns lies inside the body.
TEST(FormTest, MutatedBodiesNeverEscapeTheBody) {
  std::mt19937 rng(11);
  const std::string pieces[] = {"\r\n", "--XyZ", "--", "\"", ";", "name=", "\r\n\r\n"};
  int accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string b = kBody;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !b.empty(); ++e) {
      const std::size_t at = rng() % b.size();
      switch (rng() % 4) {
        case 0:
          b[at] = static_cast<char>(rng());
          break;
        case 1:
          b.erase(at, rng() % 16);
          break;
        case 2:
          b.insert(at, pieces[rng() % 7]);
          break;
        default:
          b.insert(at, b.substr(at, rng() % 64));
          break;
      }
    }
    auto parts = ParseMultipart(b, "XyZ");
    if (!parts.ok()) continue;
    ++accepted;
    for (const FormPart& p : *parts) {
      ASSERT_GE(p.content.data(), b.data());
      ASSERT_LE(p.content.data() + p.content.size(), b.data() + b.size());
      ASSERT_FALSE(p.name.empty());
    }
  }
  EXPECT_GT(accepted, 0);  // the mutations are not all fatal: parsed bodies were checked
}

}  // namespace
}  // namespace moodtune::server
