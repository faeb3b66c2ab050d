#include "csv.h"

#include <gtest/gtest.h>

namespace moodtune::music::internal {
namespace {

TEST(CsvTest, QuotedFieldsAndLineNumbers) {
  CsvReader r("a,b\n\"x, y\",\"he said \"\"hi\"\"\"\r\n\n\"multi\nline\",z\nlast,1");
  std::vector<std::string> f;
  int line = 0;
  std::string err;
  ASSERT_TRUE(r.Next(&f, &line, &err));
  EXPECT_EQ(line, 1);
  ASSERT_TRUE(r.Next(&f, &line, &err));
  EXPECT_EQ(line, 2);
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f[0], "x, y");
  EXPECT_EQ(f[1], "he said \"hi\"");
  ASSERT_TRUE(r.Next(&f, &line, &err));
  EXPECT_EQ(line, 4);  // blank line 3 skipped
  EXPECT_EQ(f[0], "multi\nline");
  ASSERT_TRUE(r.Next(&f, &line, &err));
  EXPECT_EQ(line, 6);
  EXPECT_EQ(f[1], "1");
  EXPECT_TRUE(err.empty());
  EXPECT_FALSE(r.Next(&f, &line, &err));
}

TEST(CsvTest, UnterminatedQuoteIsReported) {
  CsvReader r("\"open,1\n");
  std::vector<std::string> f;
  int line = 0;
  std::string err;
  ASSERT_TRUE(r.Next(&f, &line, &err));
  EXPECT_FALSE(err.empty());
}

TEST(CsvTest, SplitListTrimsAndDropsEmpty) {
  auto v = SplitList(" a; b ;;c ");
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[0], "a");
  EXPECT_EQ(v[1], "b");
  EXPECT_EQ(v[2], "c");
  EXPECT_TRUE(SplitList("").empty());
}

}  // namespace
}  // namespace moodtune::music::internal
