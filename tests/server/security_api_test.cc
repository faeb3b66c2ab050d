// Security against a real server (issue 7): API keys (401), the per-key/per-IP rate limit
// (429 + Retry-After), CORS origins and preflight, the /metrics allow-list, and the
// store_annotated switch. Each test starts its own server with the options it checks.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/skip.h"
#include "security.h"
#include "test_support.h"

namespace moodtune::server::testing {
namespace {

using json = nlohmann::json;

const std::string kKey = "test-key-0123456789";
const std::string kOtherKey = "another-key-abcdef";

std::string Code(const httplib::Result& r) {
  auto j = json::parse(r->body, nullptr, false);
  if (!j.is_object() || !j.contains("error")) return "<not an error body: " + r->body + ">";
  return j["error"]["code"].get<std::string>();
}

httplib::Result Options(httplib::Client& cli, const std::string& path, const httplib::Headers& h) {
  httplib::Request req;
  req.method = "OPTIONS";
  req.path = path;
  req.headers = h;
  return cli.send(req);
}

TEST(SecurityApiTest, ApiKeysAreRequiredWhenConfigured) {
  ServerOptions o = TestOptions();
  o.api_keys_sha256 = Sha256Hex(kKey) + "," + Sha256Hex(kOtherKey);
  TestServer server(o);
  ASSERT_TRUE(server.ok());
  auto cli = server.Client();
  const char* path = "/v1/recommendations?emotion=happy&n=2";

  auto none = cli.Get(path);
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 401);
  EXPECT_EQ(Code(none), "unauthorized");
  EXPECT_EQ(none->get_header_value("WWW-Authenticate"), "Bearer");

  auto wrong = cli.Get(path, {{"Authorization", "Bearer not-the-key"}});
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401);
  auto digest_as_key = cli.Get(path, {{"X-API-Key", Sha256Hex(kKey)}});
  ASSERT_TRUE(digest_as_key);
  EXPECT_EQ(digest_as_key->status, 401) << "the stored digest must not work as a key";
  auto basic = cli.Get(path, {{"Authorization", "Basic " + kKey}});
  ASSERT_TRUE(basic);
  EXPECT_EQ(basic->status, 401);

  auto bearer = cli.Get(path, {{"Authorization", "Bearer " + kKey}});
  ASSERT_TRUE(bearer);
  EXPECT_EQ(bearer->status, 200) << bearer->body;
  auto header = cli.Get(path, {{"X-API-Key", kOtherKey}});
  ASSERT_TRUE(header);
  EXPECT_EQ(header->status, 200) << header->body;

  // POST routes are refused before the body is read or the image decoded.
  auto post = cli.Post("/v1/feedback", R"({"listener":"a","track_id":1,"action":"like"})",
                       "application/json");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 401);
  auto metrics = cli.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 401) << "/metrics needs a key like the API";
  EXPECT_EQ(cli.Get("/metrics", {{"X-API-Key", kKey}})->status, 200);

  // Probes, the page and annotated-image URLs stay open (orchestrators and <img> tags send
  // no keys); /static still only answers real ids.
  EXPECT_EQ(cli.Get("/healthz")->status, 200);
  EXPECT_EQ(cli.Get("/readyz")->status, 200);
  EXPECT_EQ(cli.Get("/")->status, 200);
  EXPECT_EQ(cli.Get("/static/..%2f..%2fetc%2fpasswd.jpg")->status, 404);

  // The key never reaches the log.
  const std::string log = server.log_text();
  EXPECT_EQ(log.find(kKey), std::string::npos);
  EXPECT_EQ(log.find(kOtherKey), std::string::npos);
}

TEST(SecurityApiTest, RateLimitAnswers429WithRetryAfterPerClient) {
  ServerOptions o = TestOptions();
  o.rate_limit_per_min = 1;  // a token a minute: nothing refills while the test runs
  o.rate_limit_burst = 2;
  o.api_keys_sha256 = Sha256Hex(kKey);
  TestServer server(o);
  ASSERT_TRUE(server.ok());
  auto cli = server.Client();
  const char* path = "/v1/recommendations?emotion=sad&n=1";
  const httplib::Headers key = {{"X-API-Key", kKey}};

  EXPECT_EQ(cli.Get(path, key)->status, 200);
  EXPECT_EQ(cli.Get(path, key)->status, 200);
  auto limited = cli.Get(path, key);
  ASSERT_TRUE(limited);
  EXPECT_EQ(limited->status, 429);
  EXPECT_EQ(Code(limited), "rate_limited");
  const std::string retry = limited->get_header_value("Retry-After");
  ASSERT_FALSE(retry.empty());
  EXPECT_GE(std::stoi(retry), 1);
  EXPECT_LE(std::stoi(retry), 60);

  // Requests without a valid key use the peer address's bucket, not the key's.
  EXPECT_EQ(cli.Get(path)->status, 401);
  EXPECT_EQ(cli.Get(path, {{"X-API-Key", "guess"}})->status, 401);
  auto guessing = cli.Get(path, {{"X-API-Key", "guess-again"}});
  ASSERT_TRUE(guessing);
  EXPECT_EQ(guessing->status, 429) << "key guessing is rate limited too";
  // Health probes are never limited.
  for (int i = 0; i < 5; ++i) EXPECT_EQ(cli.Get("/healthz")->status, 200);
}

TEST(SecurityApiTest, CorsIsOffByDefault) {
  TestServer server;
  ASSERT_TRUE(server.ok());
  auto cli = server.Client();
  auto get = cli.Get("/v1/recommendations?emotion=happy", {{"Origin", "https://evil.example"}});
  ASSERT_TRUE(get);
  EXPECT_EQ(get->status, 200);
  EXPECT_FALSE(get->has_header("Access-Control-Allow-Origin"));
  auto pre =
      Options(cli, "/v1/recommendations",
              {{"Origin", "https://evil.example"}, {"Access-Control-Request-Method", "POST"}});
  ASSERT_TRUE(pre);
  EXPECT_EQ(pre->status, 403);
  EXPECT_FALSE(pre->has_header("Access-Control-Allow-Origin"));
}

TEST(SecurityApiTest, CorsAllowsConfiguredOriginsAndAnswersPreflight) {
  ServerOptions o = TestOptions();
  o.cors_origins = "https://app.example, http://localhost:5173";
  o.api_keys_sha256 = Sha256Hex(kKey);
  TestServer server(o);
  ASSERT_TRUE(server.ok());
  auto cli = server.Client();

  // Preflight: no key needed (browsers send none), 204 with the allowed headers.
  auto pre = Options(cli, "/v1/recommendations",
                     {{"Origin", "https://app.example"},
                      {"Access-Control-Request-Method", "POST"},
                      {"Access-Control-Request-Headers", "authorization"}});
  ASSERT_TRUE(pre);
  EXPECT_EQ(pre->status, 204);
  EXPECT_EQ(pre->get_header_value("Access-Control-Allow-Origin"), "https://app.example");
  EXPECT_NE(pre->get_header_value("Access-Control-Allow-Headers").find("Authorization"),
            std::string::npos);
  EXPECT_NE(pre->get_header_value("Access-Control-Allow-Methods").find("POST"), std::string::npos);
  // Live-mood sessions are closed with DELETE (a cross-origin page must be allowed to).
  EXPECT_NE(pre->get_header_value("Access-Control-Allow-Methods").find("DELETE"),
            std::string::npos);
  EXPECT_EQ(pre->get_header_value("Vary"), "Origin");

  auto other =
      Options(cli, "/v1/recommendations",
              {{"Origin", "https://app.example.evil"}, {"Access-Control-Request-Method", "POST"}});
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 403);
  EXPECT_EQ(Code(other), "origin_not_allowed");
  EXPECT_FALSE(other->has_header("Access-Control-Allow-Origin"));

  auto get = cli.Get("/v1/recommendations?emotion=happy",
                     {{"Origin", "http://localhost:5173"}, {"Authorization", "Bearer " + kKey}});
  ASSERT_TRUE(get);
  EXPECT_EQ(get->status, 200);
  EXPECT_EQ(get->get_header_value("Access-Control-Allow-Origin"), "http://localhost:5173");
  // Errors carry the header too, so the page can read them.
  auto denied = cli.Get("/v1/recommendations?emotion=happy", {{"Origin", "https://app.example"}});
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->status, 401);
  EXPECT_EQ(denied->get_header_value("Access-Control-Allow-Origin"), "https://app.example");
}

TEST(SecurityApiTest, MetricsCanBeRestrictedToAddresses) {
  ServerOptions o = TestOptions();
  o.metrics_allow = "10.9.9.9, 192.168.0.0/16";
  {
    TestServer server(o);
    ASSERT_TRUE(server.ok());
    auto cli = server.Client();
    auto m = cli.Get("/metrics");
    ASSERT_TRUE(m);
    EXPECT_EQ(m->status, 403);
    EXPECT_EQ(Code(m), "forbidden");
    EXPECT_EQ(cli.Get("/healthz")->status, 200) << "only /metrics is restricted";
  }
  o.metrics_allow = "127.0.0.0/8";
  TestServer server(o);
  ASSERT_TRUE(server.ok());
  auto cli = server.Client();
  auto m = cli.Get("/metrics");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->status, 200);
  EXPECT_NE(m->body.find("moodtune_http_requests_total"), std::string::npos);
}

double Gauge(const std::string& metrics, const std::string& name) {
  const auto at = metrics.find("\n" + name + " ");
  if (at == std::string::npos) return -1;
  return std::stod(metrics.substr(at + name.size() + 2));
}

TEST(SecurityApiTest, StoreAnnotatedFalseKeepsNoImage) {
  const auto photos = FacePhotos();
  if (photos.empty()) MOODTUNE_SKIP_OR_FAIL("install libdlib-dev for the face photos");
  const std::string photo = ReadFile(photos.front());
  ServerOptions o = TestOptions();
  o.store_annotated = false;
  TestServer server(o);
  ASSERT_TRUE(server.ok());
  auto cli = server.Client();

  auto rec = cli.Post("/recommend", Upload("files", photo));
  ASSERT_TRUE(rec);
  ASSERT_EQ(rec->status, 200) << rec->body;
  json j = json::parse(rec->body);
  ASSERT_TRUE(j.contains("bounding_box_image"));
  EXPECT_TRUE(j["bounding_box_image"].is_null()) << j["bounding_box_image"];
  EXPECT_FALSE(j.contains("warnings")) << "switched off is not a fault";
  EXPECT_FALSE(j["music_title"].get<std::string>().empty());

  auto v1 = cli.Post("/v1/recommendations", Upload("image", photo));
  ASSERT_TRUE(v1);
  ASSERT_EQ(v1->status, 200) << v1->body;
  EXPECT_TRUE(json::parse(v1->body)["annotated_image"].is_null());
  auto an = cli.Post("/v1/analyze?annotate=1", Upload("image", photo));
  ASSERT_TRUE(an);
  ASSERT_EQ(an->status, 200) << an->body;
  EXPECT_TRUE(json::parse(an->body)["annotated_image"].is_null());

  auto m = cli.Get("/metrics");
  ASSERT_TRUE(m);
  EXPECT_EQ(Gauge(m->body, "moodtune_static_images"), 0) << "nothing was kept";
}

TEST(StorageFaultTest, FullAnnotatedImageStoreStillAnswersWithAWarning) {
  const auto photos = FacePhotos();
  if (photos.empty()) MOODTUNE_SKIP_OR_FAIL("install libdlib-dev for the face photos");
  ServerOptions o = TestOptions();
  o.static_max_bytes = 1024;  // smaller than any annotated JPEG
  TestServer server(o);
  ASSERT_TRUE(server.ok());
  auto cli = server.Client();
  auto rec = cli.Post("/recommend", Upload("files", ReadFile(photos.front())));
  ASSERT_TRUE(rec);
  ASSERT_EQ(rec->status, 200) << rec->body;
  json j = json::parse(rec->body);
  EXPECT_TRUE(j["bounding_box_image"].is_null());
  ASSERT_TRUE(j["warnings"].is_array()) << rec->body;
  ASSERT_EQ(j["warnings"].size(), 1u);
  EXPECT_EQ(j["warnings"][0]["code"], "annotated_image_not_stored");
  EXPECT_EQ(j["recommendations"].size(), 5u);
}

}  // namespace
}  // namespace moodtune::server::testing
