// ServerOptions: documented defaults, config file < environment precedence, validation.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>

#include "moodtune/server.h"

namespace moodtune::server {
namespace {

TEST(ServerOptionsTest, DefaultsAreTheDocumentedValues) {
  const ServerOptions o;
  EXPECT_EQ(o.host, "127.0.0.1");  // never the network by default
  EXPECT_EQ(o.port, 8000);
  EXPECT_EQ(o.public_url, "");
  EXPECT_EQ(o.allowed_hosts, "localhost,127.0.0.1,[::1]");
  EXPECT_EQ(o.threads, 0);  // one per core
  EXPECT_EQ(o.max_body_bytes, 8 << 20);
  EXPECT_EQ(o.max_pixels, 16'000'000);  // issue 11: the service decodes less than the CLI
  EXPECT_LT(o.max_pixels, DecodeOptions{}.max_pixels);
  EXPECT_EQ(o.read_timeout_s, 10);
  EXPECT_EQ(o.write_timeout_s, 10);
  EXPECT_EQ(o.static_max_images, 512);
  EXPECT_EQ(o.static_max_age_s, 3600);
  EXPECT_EQ(o.default_n, 5);
  EXPECT_EQ(o.db, "");
  EXPECT_EQ(o.face_model, BlazeFaceOptions{}.model_path);
  EXPECT_EQ(o.emotion_model, ClassifierOptions{}.model_path);
  EXPECT_EQ(o.emotion_backend, ClassifierOptions{}.backend);
  EXPECT_EQ(o.face_backend, BlazeFaceOptions{}.backend);
  // Security defaults (SECURITY.md): open API, no rate limit, no cross-origin callers,
  // /metrics open to whoever reaches the port, annotated images kept in memory.
  EXPECT_EQ(o.api_keys_sha256, "");
  EXPECT_EQ(o.rate_limit_per_min, 0);
  EXPECT_EQ(o.rate_limit_burst, 30);
  EXPECT_EQ(o.cors_origins, "") << "never * by default";
  EXPECT_EQ(o.metrics_allow, "");
  EXPECT_TRUE(o.store_annotated);
  EXPECT_EQ(o.static_max_bytes, 32 << 20);  // issue 12: was 256 MiB, RSS 315 MB after 12 MP uploads
  // Live mood (issue 13; docs/service.md).
  EXPECT_EQ(o.live_max_sessions, 32);
  EXPECT_EQ(o.live_max_sessions_per_peer, 4);
  EXPECT_EQ(o.live_max_fps, 2);
  EXPECT_EQ(o.live_session_ttl_s, 60);
  EXPECT_TRUE(ValidateOptions(o).ok());
}

TEST(ServerOptionsTest, EmotionBackendIsValidated) {
  ServerOptions o;
  for (const char* ok : {"auto", "opencv", "onednn"}) {
    o.emotion_backend = ok;
    EXPECT_TRUE(ValidateOptions(o).ok()) << ok;
  }
  o.emotion_backend = "OneDNN";
  const Status s = ValidateOptions(o);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.message().find("emotion_backend"), std::string::npos);
}

TEST(ServerOptionsTest, FaceBackendIsValidated) {
  ServerOptions o;
  for (const char* ok : {"auto", "opencv", "onednn"}) {
    o.face_backend = ok;
    EXPECT_TRUE(ValidateOptions(o).ok()) << ok;
  }
  o.face_backend = "cuda";
  const Status s = ValidateOptions(o);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.message().find("face_backend"), std::string::npos);
}

TEST(ServerOptionsTest, LiveMoodOptionsAreValidated) {
  ServerOptions o;
  o.live_max_sessions = 0;
  EXPECT_FALSE(ValidateOptions(o).ok());
  o = ServerOptions{};
  o.live_max_fps = 0;
  EXPECT_FALSE(ValidateOptions(o).ok());
  o.live_max_fps = 1001;
  EXPECT_FALSE(ValidateOptions(o).ok());
  o = ServerOptions{};
  o.live_session_ttl_s = 0;
  EXPECT_FALSE(ValidateOptions(o).ok());
  ServerOptions e;
  ASSERT_TRUE(ApplyEnvironment(
                  [](const char* k) -> const char* {
                    return std::string(k) == "MOODTUNE_LIVE_MAX_SESSIONS" ? "256" : nullptr;
                  },
                  e)
                  .ok());
  EXPECT_EQ(e.live_max_sessions, 256);
}

TEST(ServerOptionsTest, SecurityOptionsAreValidated) {
  ServerOptions o;
  o.api_keys_sha256 = "not-a-digest";
  EXPECT_FALSE(ValidateOptions(o).ok());
  o.api_keys_sha256 = std::string(64, 'a') + "," + std::string(64, 'B');
  EXPECT_TRUE(ValidateOptions(o).ok());
  o.rate_limit_burst = 0;
  EXPECT_FALSE(ValidateOptions(o).ok());
  o.rate_limit_burst = 1;
  o.rate_limit_per_min = -1;
  EXPECT_FALSE(ValidateOptions(o).ok());
  ServerOptions e;
  const std::map<std::string, std::string> env = {{"MOODTUNE_STORE_ANNOTATED", "0"},
                                                  {"MOODTUNE_CORS_ORIGINS", "https://a.example"}};
  ASSERT_TRUE(ApplyEnvironment(
                  [&](const char* k) -> const char* {
                    auto it = env.find(k);
                    return it == env.end() ? nullptr : it->second.c_str();
                  },
                  e)
                  .ok());
  EXPECT_FALSE(e.store_annotated);
  EXPECT_EQ(e.cors_origins, "https://a.example");
}

TEST(ServerOptionsTest, DescribeCoversEveryJsonKeyWithItsDefault) {
  const auto info = DescribeOptions();
  const auto j = nlohmann::json::parse(OptionsToJson(ServerOptions{}));
  EXPECT_EQ(info.size(), j.size());
  for (const auto& i : info) {
    ASSERT_TRUE(j.contains(i.name)) << i.name;
    EXPECT_EQ(i.default_value, j[i.name].dump()) << i.name;
    EXPECT_EQ(i.env.rfind("MOODTUNE_", 0), 0u);
    EXPECT_FALSE(i.description.empty());
  }
}

TEST(ServerOptionsTest, ConfigThenEnvironmentEnvironmentWins) {
  ServerOptions o;
  ASSERT_TRUE(ApplyConfigJson(R"({"port": 9000, "host": "0.0.0.0", "threads": 3,
                                  "access_log": false})",
                              o)
                  .ok());
  EXPECT_EQ(o.port, 9000);
  EXPECT_EQ(o.host, "0.0.0.0");
  EXPECT_EQ(o.threads, 3);
  EXPECT_FALSE(o.access_log);
  std::map<std::string, std::string> env = {
      {"MOODTUNE_PORT", "9100"}, {"MOODTUNE_ACCESS_LOG", "true"}, {"MOODTUNE_DB", "/tmp/x.db"}};
  auto getenv = [&](const char* k) -> const char* {
    auto it = env.find(k);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  ASSERT_TRUE(ApplyEnvironment(getenv, o).ok());
  EXPECT_EQ(o.port, 9100);
  EXPECT_EQ(o.host, "0.0.0.0");  // untouched by the environment
  EXPECT_TRUE(o.access_log);
  EXPECT_EQ(o.db, "/tmp/x.db");
  // Round trip.
  ServerOptions back;
  ASSERT_TRUE(ApplyConfigJson(OptionsToJson(o), back).ok());
  EXPECT_EQ(OptionsToJson(back), OptionsToJson(o));
}

TEST(ServerOptionsTest, BadInputIsRefusedAndLeavesOptionsUnchanged) {
  ServerOptions o;
  EXPECT_TRUE(ApplyConfigJson("{not json", o).IsInvalidArgument());
  EXPECT_TRUE(ApplyConfigJson("[1]", o).IsInvalidArgument());
  EXPECT_TRUE(ApplyConfigJson(R"({"prot": 1})", o).IsInvalidArgument());
  EXPECT_TRUE(ApplyConfigJson(R"({"port": 1, "host": 5})", o).IsInvalidArgument());
  EXPECT_TRUE(ApplyConfigJson(R"({"port": "80"})", o).IsInvalidArgument());
  EXPECT_EQ(o.port, ServerOptions{}.port) << "a failed file changes nothing";
  auto env = [](const char* k) -> const char* {
    return std::string(k) == "MOODTUNE_PORT" ? "80x" : nullptr;
  };
  EXPECT_TRUE(ApplyEnvironment(env, o).IsInvalidArgument());
  EXPECT_TRUE(ApplyConfigFile("/nonexistent/moodtune.json", o).IsNotFound());
  for (const char* bad :
       {R"({"port": 70000})", R"({"threads": -1})", R"({"jpeg_quality": 0})",
        R"({"default_n": 101})", R"({"public_url": "ftp://x"})", R"({"max_body_bytes": 10})"}) {
    ServerOptions v;
    ASSERT_TRUE(ApplyConfigJson(bad, v).ok()) << bad;
    EXPECT_TRUE(ValidateOptions(v).IsInvalidArgument()) << bad;
  }
}

}  // namespace
}  // namespace moodtune::server
