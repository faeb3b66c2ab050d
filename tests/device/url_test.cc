#include "moodtune_core/url.h"

#include <gtest/gtest.h>

#include <string>

#include "moodtune/device_protocol.h"

namespace moodtune::device {
namespace {

TEST(ServerUrl, ParsesSchemesPortsAndBasePaths) {
  ServerUrl u;
  ASSERT_TRUE(ParseServerUrl("http://192.168.1.20:8080", &u));
  EXPECT_FALSE(u.https);
  EXPECT_STREQ(u.host, "192.168.1.20");
  EXPECT_EQ(u.port, 8080);
  EXPECT_EQ(std::string(u.path), kMoodPath);

  ASSERT_TRUE(ParseServerUrl("https://moodtune.example.org/api/", &u));
  EXPECT_TRUE(u.https);
  EXPECT_EQ(u.port, 443);
  EXPECT_EQ(std::string(u.path), std::string("/api") + kMoodPath);

  ASSERT_TRUE(ParseServerUrl("http://localhost", &u));
  EXPECT_EQ(u.port, 80);
}

TEST(ServerUrl, RejectsWhatItCannotUse) {
  const char* bad[] = {"",
                       "ftp://h",
                       "http://",
                       "http://:80",
                       "http://h:0",
                       "http://h:65536",
                       "http://h:x",
                       "http://user@h",
                       "http://h/p?q=1",
                       "http://h/p#f",
                       "http://h/a b",
                       "localhost:8080"};
  for (const char* u : bad) {
    ServerUrl out;
    EXPECT_FALSE(ParseServerUrl(u, &out)) << u;
  }
  ServerUrl out;
  EXPECT_FALSE(ParseServerUrl(nullptr, &out));
  const std::string long_host = "http://" + std::string(kMaxHostLen + 1, 'h');
  EXPECT_FALSE(ParseServerUrl(long_host.c_str(), &out));
  const std::string long_path = "http://h/" + std::string(kMaxPathLen, 'p');
  EXPECT_FALSE(ParseServerUrl(long_path.c_str(), &out));
}

}  // namespace
}  // namespace moodtune::device
