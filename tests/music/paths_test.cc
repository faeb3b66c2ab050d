#include "moodtune/music/paths.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace moodtune::music {
namespace {

GetEnvFn FakeEnv(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  };
}

TEST(PathsTest, PrecedenceOfEnvironment) {
  EXPECT_EQ(DefaultDatabasePath(FakeEnv({{"MOODTUNE_DB", "/x/a.db"}, {"HOME", "/h"}})), "/x/a.db");
  EXPECT_EQ(DefaultDatabasePath(FakeEnv({{"XDG_DATA_HOME", "/d"}, {"HOME", "/h"}})),
            "/d/moodtune/moodtune.db");
  EXPECT_EQ(DefaultDatabasePath(FakeEnv({{"HOME", "/h"}})), "/h/.local/share/moodtune/moodtune.db");
  EXPECT_EQ(DefaultDatabasePath(FakeEnv({})), "moodtune.db");
}

}  // namespace
}  // namespace moodtune::music
