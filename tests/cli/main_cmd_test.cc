// CLI habits (issue 13): bare `moodtune`, --version, and clear usage errors in `recommend`.
#include <gtest/gtest.h>

#include "cli_runner.h"

namespace moodtune {
namespace {

TEST(MainCliTest, Issue13BareMoodtunePrintsHelpAndExitsZero) {
  const testing::CliRun r = testing::RunCli({});
  ASSERT_TRUE(r.exited);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("analyze"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("recommend"), std::string::npos) << r.out;
  const testing::CliRun bad = testing::RunCli({"no-such-command"});
  EXPECT_NE(bad.exit_code, 0);
}

TEST(MainCliTest, Issue13VersionFlag) {
  const testing::CliRun r = testing::RunCli({"--version"});
  ASSERT_TRUE(r.exited);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("moodtune 0.", 0), 0u) << r.out;
}

TEST(MainCliTest, Issue13RecommendUsageErrorsSayWhatIsValid) {
  testing::CliRun r = testing::RunCli({"recommend", "--emotion", "depressed", "--db", ":memory:"});
  ASSERT_TRUE(r.exited);
  EXPECT_EQ(r.exit_code, 2);
  for (const char* name : {"angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"})
    EXPECT_NE(r.err.find(name), std::string::npos) << name << " missing from: " << r.err;
  r = testing::RunCli(
      {"recommend", "--emotion", "sad", "--probabilities", "[0,0,0,1,0,0,0]", "--db", ":memory:"});
  ASSERT_TRUE(r.exited);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("not both"), std::string::npos) << r.err;
}

TEST(MainCliTest, Issue13NoMatchingTrackFailsAndListsTheGenres) {
  const testing::CliRun r =
      testing::RunCli({"recommend", "--emotion", "sad", "--genre", "polka", "--db", ":memory:"});
  ASSERT_TRUE(r.exited);
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.err.find("gospel"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("jazz"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace moodtune
