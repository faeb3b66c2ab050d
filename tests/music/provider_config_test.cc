#include "moodtune/music/provider_config.h"

#include <gtest/gtest.h>

#include <map>

namespace moodtune::music {
namespace {

GetEnvFn FakeEnv(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  };
}

TEST(ProviderConfigTest, EmptyConfigGivesDefaults) {
  auto c = ParseProviderConfig("", FakeEnv({{"HOME", "/h"}}));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->live.budget, LiveOptions{}.budget);
  EXPECT_EQ(c->spotify.api_base, SpotifyOptions{}.api_base);
  EXPECT_EQ(c->deezer.api_base, DeezerOptions{}.api_base);
  EXPECT_TRUE(c->spotify_credentials.client_id.empty());
  EXPECT_EQ(c->spotify_token_path, "/h/.config/moodtune/spotify_token.json");
}

TEST(ProviderConfigTest, PathsFollowTheEnvironment) {
  EXPECT_EQ(DefaultConfigPath(FakeEnv({{"MOODTUNE_CONFIG", "/x/c.json"}, {"HOME", "/h"}})),
            "/x/c.json");
  EXPECT_EQ(DefaultConfigPath(FakeEnv({{"XDG_CONFIG_HOME", "/c"}, {"HOME", "/h"}})),
            "/c/moodtune/config.json");
  EXPECT_EQ(DefaultConfigPath(FakeEnv({{"HOME", "/h"}})), "/h/.config/moodtune/config.json");
}

TEST(ProviderConfigTest, FileThenEnvironment) {
  const char* text = R"({
    "providers": {"budget_ms": 900, "cache_ttl_s": 30},
    "spotify": {"client_id": "file-id", "client_secret": "file-secret", "market": "NG",
                "api_base": "http://127.0.0.1:9/", "playlists": {"happy": "P1", "sadness": "P2"}},
    "deezer": {"playlists": {"neutral": "123"}}
  })";
  auto c = ParseProviderConfig(text, FakeEnv({{"MOODTUNE_SPOTIFY_CLIENT_SECRET", "env-secret"},
                                              {"MOODTUNE_DEEZER_API_BASE", "http://127.0.0.1:8"}}));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->live.budget, Millis(900));
  EXPECT_EQ(c->live.cache_ttl, std::chrono::seconds(30));
  EXPECT_EQ(c->spotify_credentials.client_id, "file-id");
  EXPECT_EQ(c->spotify_credentials.client_secret, "env-secret");
  EXPECT_EQ(c->spotify.market, "NG");
  EXPECT_EQ(c->spotify.api_base, "http://127.0.0.1:9");  // trailing slash dropped
  EXPECT_EQ(c->spotify.playlists.at(Emotion::kHappy), "P1");
  EXPECT_EQ(c->spotify.playlists.at(Emotion::kSad), "P2");
  EXPECT_EQ(c->deezer.playlists.at(Emotion::kNeutral), "123");
  EXPECT_EQ(c->deezer.api_base, "http://127.0.0.1:8");
}

TEST(ProviderConfigTest, BadConfigsAreRejectedWithoutQuotingSecrets) {
  auto env = FakeEnv({});
  EXPECT_TRUE(ParseProviderConfig("{", env).status().IsInvalidArgument());
  EXPECT_TRUE(ParseProviderConfig(R"({"spotify": {"playlists": {"contempt": "x"}}})", env)
                  .status().IsInvalidArgument());
  EXPECT_TRUE(ParseProviderConfig(R"({"deezer": {"api_base": "ftp://x"}})", env)
                  .status().IsInvalidArgument());
  EXPECT_TRUE(ParseProviderConfig(R"({"providers": {"budget_ms": -1}})", env)
                  .status().IsInvalidArgument());
  auto bad = ParseProviderConfig(R"({"spotify": {"client_secret": 12345678}})", env);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message().find("12345678"), std::string::npos);
  EXPECT_TRUE(ParseProviderConfig("", FakeEnv({{"MOODTUNE_PROVIDER_BUDGET_MS", "fast"}}))
                  .status().IsInvalidArgument());
}

TEST(ProviderConfigTest, MakeProviderByName) {
  auto c = ParseProviderConfig("", FakeEnv({{"HOME", "/nonexistent-home"}}));
  ASSERT_TRUE(c.ok());
  auto http = MakeHttpClient();
  auto none = MakeProvider("catalogue", *c, *http, SystemClock());
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->get(), nullptr);
  auto d = MakeProvider("deezer", *c, *http, SystemClock());
  ASSERT_TRUE(d.ok());
  EXPECT_EQ((*d)->Name(), "deezer");
  auto s = MakeProvider("spotify", *c, *http, SystemClock());
  ASSERT_TRUE(s.ok());
  EXPECT_EQ((*s)->Name(), "spotify");
  EXPECT_TRUE(MakeProvider("napster", *c, *http, SystemClock()).status().IsInvalidArgument());
}

}  // namespace
}  // namespace moodtune::music
