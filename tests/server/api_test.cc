// API tests against a real server on an ephemeral port (STYLE rule 11): reference-compatible
// /recommend, the /v1 routes, error codes, static files, metrics and the access log.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "common/skip.h"
#include "moodtune/emotion.h"
#include "moodtune/music/catalogue.h"
#include "test_support.h"

namespace moodtune::server {
namespace {
using namespace moodtune::server::testing;
using nlohmann::json;

class ApiTest : public ServerWithPhotosTest {
 protected:
  json Json(const httplib::Result& r) {
    EXPECT_TRUE(r) << "no answer";
    if (!r) return json();
    auto j = json::parse(r->body, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r->body;
    return j;
  }
  std::string ErrorCode(const httplib::Result& r) {
    json j = Json(r);
    if (!j.is_object() || !j.contains("error")) return "(no error object: " + r->body + ")";
    EXPECT_TRUE(j["error"]["message"].is_string());
    return j["error"]["code"].get<std::string>();
  }
};

TEST_F(ApiTest, RecommendIsReferenceCompatible) {
  const std::string photo = ReadFile(photos_.front());
  auto cli = server_->Client();
  auto r = cli.Post("/recommend", Upload("files", photo));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->get_header_value("Content-Type"), "application/json");
  json j = Json(r);
  ASSERT_TRUE(j.is_object());
  EXPECT_TRUE(j["music_title"].is_string());
  EXPECT_FALSE(j["music_title"].get<std::string>().empty());
  ASSERT_TRUE(j["music_artists"].is_array());
  ASSERT_FALSE(j["music_artists"].empty());
  for (const auto& a : j["music_artists"]) EXPECT_TRUE(a.is_string());
  ASSERT_TRUE(j["music_url"].is_string());
  EXPECT_EQ(j["music_url"].get<std::string>().rfind("https://", 0), 0u);
  EXPECT_TRUE(j["music_preview_url"].is_string() || j["music_preview_url"].is_null());
  ASSERT_TRUE(j["class_of_emotion"].is_string());
  const std::string cls = j["class_of_emotion"];
  EXPECT_TRUE(cls == "Happy" || cls == "Sad" || cls == "Neutral") << cls;
  ASSERT_TRUE(j["confidence"].is_number());
  const double conf = j["confidence"];
  EXPECT_GE(conf, 0.0);
  EXPECT_LE(conf, 100.0);
  EXPECT_NEAR(conf * 100, std::round(conf * 100), 1e-6) << "2 decimals";

  // The class and confidence follow from the first face's 7 probabilities.
  ASSERT_TRUE(j["faces"].is_array());
  ASSERT_FALSE(j["faces"].empty());
  EmotionProbs p{};
  for (int i = 0; i < kNumEmotions; ++i)
    p[i] = j["faces"][0]["probabilities"][std::string(EmotionName(Emotion(i)))].get<float>();
  const auto m3 = ToMood3Probs(p);
  EXPECT_EQ(cls, Mood3Name(TopMood3(m3)));
  EXPECT_NEAR(conf, 100.0 * m3[static_cast<int>(TopMood3(m3))], 0.01);

  // The same image analysed directly gives the same top emotion.
  auto img = ReadImageFile(photos_.front());
  ASSERT_TRUE(img.ok());
  auto faces = SharedAnalyzer()->Analyze(*img);
  ASSERT_TRUE(faces.ok());
  ASSERT_FALSE(faces->empty());
  EXPECT_EQ(j["faces"][0]["emotion"], EmotionName(faces->front().emotion));

  ASSERT_TRUE(j["recommendations"].is_array());
  EXPECT_EQ(j["recommendations"].size(), 5u);
  EXPECT_EQ(j["recommendations"][0]["title"], j["music_title"]);

  // bounding_box_image: an absolute URL on this server that serves the annotated JPEG.
  const std::string url = j["bounding_box_image"];
  const std::string prefix = server_->url() + "/static/";
  ASSERT_EQ(url.rfind(prefix, 0), 0u) << url;
  const std::string path = url.substr(server_->url().size());
  EXPECT_TRUE(std::regex_match(path, std::regex("/static/[0-9a-f]{32}\\.jpg"))) << path;
  auto img_res = cli.Get(path.c_str());
  ASSERT_TRUE(img_res);
  ASSERT_EQ(img_res->status, 200);
  EXPECT_EQ(img_res->get_header_value("Content-Type"), "image/jpeg");
  std::vector<std::uint8_t> bytes(img_res->body.begin(), img_res->body.end());
  cv::Mat annotated = cv::imdecode(bytes, cv::IMREAD_COLOR);
  ASSERT_FALSE(annotated.empty());
  EXPECT_EQ(annotated.cols, img->cols);
  EXPECT_EQ(annotated.rows, img->rows);
}

TEST_F(ApiTest, RecommendAcceptsFileImageAndRawBody) {
  const std::string photo = ReadFile(photos_.front());
  auto cli = server_->Client();
  for (const char* field : {"file", "image"}) {
    auto r = cli.Post("/recommend", Upload(field, photo));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << field << ": " << r->body;
  }
  auto raw = cli.Post("/recommend", photo, "image/jpeg");
  ASSERT_TRUE(raw);
  EXPECT_EQ(raw->status, 200) << raw->body;
}

TEST_F(ApiTest, ErrorCodes) {
  auto cli = server_->Client();
  const std::string photo = ReadFile(photos_.front());
  // 400: multipart without an image field; GET without emotion; bad n.
  auto r = cli.Post("/recommend", httplib::MultipartFormDataItems{{"other", "x", "", ""}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(ErrorCode(r), "missing_field");
  r = cli.Get("/v1/recommendations?n=5");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(ErrorCode(r), "missing_field");
  r = cli.Get("/v1/recommendations?emotion=sad&n=0");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(ErrorCode(r), "invalid_argument");
  r = cli.Get("/v1/recommendations?emotion=bored");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  // 415: a text body, and a multipart part that is not an image.
  r = cli.Post("/recommend", "hello", "text/plain");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 415);
  EXPECT_EQ(ErrorCode(r), "unsupported_media_type");
  r = cli.Post("/recommend", Upload("files", "hello", "text/plain"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 415);
  // 422: bytes that are no image; an image without a face.
  r = cli.Post("/recommend", Upload("files", "definitely not a jpeg"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 422);
  EXPECT_EQ(ErrorCode(r), "undecodable_image");
  r = cli.Post("/recommend", Upload("files", photo.substr(0, 200)));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 422) << "truncated JPEG";
  r = cli.Post("/recommend", Upload("files", BlankPng(), "image/png"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 422);
  EXPECT_EQ(ErrorCode(r), "no_face");
  // 404: no such route, as JSON.
  r = cli.Get("/no/such/route");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(ErrorCode(r), "no_route");
}

// The body limit: a server with a small max_body_bytes answers 413 before reading the body.
TEST(ApiLimitsTest, BodyAndPixelLimits) {
  if (FacePhotos().empty()) MOODTUNE_SKIP_OR_FAIL("install libdlib-dev");
  ServerOptions o = TestOptions();
  o.max_body_bytes = 16 * 1024;
  o.max_pixels = 100 * 100;
  TestServer s(o);
  ASSERT_TRUE(s.ok());
  auto cli = s.Client();
  auto r = cli.Post("/recommend", std::string(20 * 1024, 'x'), "image/jpeg");
  ASSERT_TRUE(r) << httplib::to_string(r.error());
  EXPECT_EQ(r->status, 413);
  auto j = json::parse(r->body, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r->body;
  EXPECT_EQ(j["error"]["code"], "payload_too_large");
  // Small file, too many pixels: 413 image_too_large (decompression-bomb guard).
  cv::Mat big(200, 200, CV_8UC3, cv::Scalar(0, 0, 0));
  std::vector<std::uint8_t> png;
  cv::imencode(".png", big, png);
  r = cli.Post("/recommend", std::string(png.begin(), png.end()), "image/png");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  j = json::parse(r->body, nullptr, false);
  EXPECT_EQ(j["error"]["code"], "image_too_large");
}

// Issue 11: `Host: evil.example` was copied into the answer's image URL. Hosts outside
// allowed_hosts give the server's own address; allowed ones are kept (with their port).
// Issue 15: offline (no deezer_api_base) every track without a preview says why.
TEST_F(ApiTest, Issue15TracksWithoutAPreviewSayWhy) {
  auto cli = server_->Client();
  json j = Json(cli.Get("/v1/recommendations?emotion=sad&n=5"));
  ASSERT_EQ(j["recommendations"].size(), 5u);
  for (const auto& t : j["recommendations"]) {
    ASSERT_TRUE(t.contains("preview_reason")) << t.dump();
    if (t["preview_url"].is_null()) {
      ASSERT_TRUE(t["preview_reason"].is_string()) << t.dump();
      const std::string why = t["preview_reason"];
      EXPECT_TRUE(why == "previews need a provider" || why == "no Deezer id") << why;
    } else {
      EXPECT_TRUE(t["preview_reason"].is_null()) << t.dump();
    }
  }
}

TEST_F(ApiTest, Issue11HostHeaderOutsideTheAllowListIsNotEchoed) {
  auto cli = server_->Client();
  const std::string photo = ReadFile(photos_.front());
  cli.set_default_headers({{"Host", "evil.example"}});
  auto evil = Json(cli.Post("/v1/analyze", Upload("image", photo)));
  const std::string url = evil["annotated_image"];
  EXPECT_EQ(url.find("evil"), std::string::npos) << url;
  EXPECT_EQ(url.rfind(server_->url() + "/static/", 0), 0u) << url;
  cli.set_default_headers({{"Host", "localhost:evil.example"}});  // not a port: not allowed
  auto odd = Json(cli.Post("/v1/analyze", Upload("image", photo)));
  const std::string odd_url = odd["annotated_image"];
  EXPECT_EQ(odd_url.find("evil"), std::string::npos) << odd_url;
  cli.set_default_headers({{"Host", "LOCALHOST:9999"}});
  auto local = Json(cli.Post("/v1/analyze", Upload("image", photo)));
  const std::string local_url = local["annotated_image"];
  EXPECT_EQ(local_url.rfind("http://LOCALHOST:9999/static/", 0), 0u) << local_url;
}

TEST_F(ApiTest, StaticRefusesPathTraversalAndUnknownIds) {
  auto cli = server_->Client();
  auto ok = Json(cli.Post("/v1/analyze", Upload("image", ReadFile(photos_.front()))));
  const std::string url = ok["annotated_image"];
  const std::string id = url.substr(url.rfind('/') + 1, 32);
  std::string upper = id;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const std::vector<std::string> paths = {
      "/static/../CMakeLists.txt",
      "/static/..%2f..%2fetc%2fpasswd.jpg",
      "/static/%2e%2e/%2e%2e/etc/passwd.jpg",
      "/static/..%2F..%2Fetc%2Fpasswd%00.jpg",
      "/static//etc/passwd.jpg",
      "/static/" + upper + ".jpg",
      "/static/" + id.substr(0, 31) + "0.jpg" /* a different, unknown id */,
      "/static/" + id + ".png",
      "/static/" + id + "/../" + id + ".jpg"};
  for (const std::string& path : paths) {
    if (path == "/static/" + id.substr(0, 31) + "0.jpg" && id.back() == '0') continue;
    auto r = cli.Get(path.c_str());
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 404) << path;
    EXPECT_EQ(r->body.find("root:"), std::string::npos) << path;
    EXPECT_NE(r->get_header_value("Content-Type"), "image/jpeg") << path;
  }
  auto good = cli.Get(("/static/" + id + ".jpg").c_str());
  ASSERT_TRUE(good);
  EXPECT_EQ(good->status, 200);
}

TEST_F(ApiTest, AnalyzeReturnsFacesAsTheCliPrintsThem) {
  auto cli = server_->Client();
  json j = Json(cli.Post("/v1/analyze", Upload("image", ReadFile(photos_.front()))));
  auto img = ReadImageFile(photos_.front());
  ASSERT_TRUE(img.ok());
  EXPECT_EQ(j["width"], img->cols);
  EXPECT_EQ(j["height"], img->rows);
  auto faces = SharedAnalyzer()->Analyze(*img);
  ASSERT_TRUE(faces.ok());
  ASSERT_EQ(j["faces"].size(), faces->size());
  for (std::size_t i = 0; i < faces->size(); ++i) {
    const auto& f = j["faces"][i];
    ASSERT_EQ(f["box"].size(), 4u);
    EXPECT_NEAR(f["box"][0].get<double>(), (*faces)[i].detection.box.x, 0.1);
    EXPECT_NEAR(f["box"][2].get<double>(), (*faces)[i].detection.box.w, 0.1);
    EXPECT_EQ(f["emotion"], EmotionName((*faces)[i].emotion));
    double sum = 0;
    for (const auto& [k, v] : f["probabilities"].items()) sum += v.get<double>();
    EXPECT_NEAR(sum, 1.0, 1e-3);
  }
  // annotate=0 skips the image.
  auto r = cli.Post("/v1/analyze?annotate=0", Upload("image", ReadFile(photos_.front())));
  ASSERT_TRUE(r);
  EXPECT_TRUE(Json(r)["annotated_image"].is_null());
}

TEST_F(ApiTest, RecommendationsByImageAndByEmotion) {
  auto cli = server_->Client();
  auto items = Upload("image", ReadFile(photos_.front()));
  items.push_back({"n", "3", "", ""});
  items.push_back({"strategy", "uplift", "", ""});
  json j = Json(cli.Post("/v1/recommendations", items));
  ASSERT_TRUE(j.contains("recommendations")) << j.dump();
  EXPECT_EQ(j["recommendations"].size(), 3u);
  EXPECT_EQ(j["strategy"], "uplift");
  EXPECT_TRUE(j["emotion"].is_string());

  j = Json(cli.Get("/v1/recommendations?emotion=sad&n=5"));
  EXPECT_EQ(j["emotion"], "sad");
  ASSERT_EQ(j["recommendations"].size(), 5u);
  std::set<std::string> artists;
  for (const auto& t : j["recommendations"]) {
    EXPECT_TRUE(t["preview_url"].is_null() || t["preview_url"].is_string());
    artists.insert(t["artists"][0].get<std::string>());
  }
  EXPECT_EQ(artists.size(), 5u) << "no artist twice";

  j = Json(cli.Get("/v1/recommendations?emotion=happy&n=4&genre=gospel"));
  ASSERT_EQ(j["recommendations"].size(), 4u);
  for (const auto& t : j["recommendations"]) EXPECT_EQ(t["genre"], "gospel");
}

TEST_F(ApiTest, FeedbackIsRecordedAndValidated) {
  auto cli = server_->Client();
  json j = Json(cli.Get("/v1/recommendations?emotion=happy&n=1"));
  ASSERT_EQ(j["recommendations"].size(), 1u);
  const std::int64_t id = j["recommendations"][0]["id"];
  json body = {{"listener", "alice"}, {"track_id", id}, {"action", "like"}};
  auto r = cli.Post("/v1/feedback", body.dump(), "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  httplib::Params form{{"listener", "alice"}, {"track_id", std::to_string(id)}, {"action", "skip"}};
  r = cli.Post("/v1/feedback", form);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  body["track_id"] = 99999999;
  r = cli.Post("/v1/feedback", body.dump(), "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  body = {{"listener", "alice"}, {"track_id", id}, {"action", "love"}};
  r = cli.Post("/v1/feedback", body.dump(), "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  // Issue 13: a track_id of the wrong JSON type is not "missing".
  body = {{"listener", "alice"}, {"track_id", true}, {"action", "like"}};
  r = cli.Post("/v1/feedback", body.dump(), "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(ErrorCode(r), "invalid_argument") << r->body;
  body = {{"listener", "alice"}, {"track_id", std::to_string(id)}, {"action", "like"}};
  r = cli.Post("/v1/feedback", body.dump(), "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  body = {{"track_id", id}, {"action", "like"}};
  r = cli.Post("/v1/feedback", body.dump(), "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(ErrorCode(r), "missing_field");
}

// Issue 11: a client that retries feedback (same event_id) has it stored once; a bad id is 400.
TEST(ApiFeedbackTest, Issue11RetriedFeedbackWithAnEventIdIsStoredOnce) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("moodtune-event-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string db = (dir / "db.sqlite").string();
  std::filesystem::remove(db);
  std::int64_t id = 0;
  {
    ServerOptions o = TestOptions();
    o.db = db;
    TestServer server(o);
    ASSERT_TRUE(server.ok());
    auto cli = server.Client();
    auto first = cli.Get("/v1/recommendations?emotion=happy&n=1");
    ASSERT_TRUE(first);
    id = json::parse(first->body)["recommendations"][0]["id"];
    json body = {
        {"listener", "eve"}, {"track_id", id}, {"action", "like"}, {"event_id", "c0ffee-1"}};
    for (int i = 0; i < 3; ++i) {
      auto r = cli.Post("/v1/feedback", body.dump(), "application/json");
      ASSERT_TRUE(r);
      EXPECT_EQ(r->status, 200) << r->body;
      EXPECT_EQ(json::parse(r->body)["event_id"], "c0ffee-1");
    }
    httplib::Params form{{"listener", "eve"},
                         {"track_id", std::to_string(id)},
                         {"action", "skip"},
                         {"event_id", "c0ffee-2"}};
    EXPECT_EQ(cli.Post("/v1/feedback", form)->status, 200);
    for (const char* bad : {"", "has space", "x/y"}) {
      body["event_id"] = bad;
      auto r = cli.Post("/v1/feedback", body.dump(), "application/json");
      EXPECT_EQ(r->status, 400) << bad;
    }
    body["event_id"] = 7;
    EXPECT_EQ(cli.Post("/v1/feedback", body.dump(), "application/json")->status, 400);
  }
  music::CatalogueOptions co;
  co.path = db;
  auto cat = music::Catalogue::Open(co);
  ASSERT_TRUE(cat.ok()) << cat.status().ToString();
  auto fb = (*cat)->FeedbackOf("eve");
  ASSERT_TRUE(fb.ok());
  EXPECT_EQ(fb->size(), 2u);  // one like (sent 3 times), one skip
  std::filesystem::remove_all(dir);
}

// Issue 11: invalid UTF-8 in Content-Type or in a form field gave 500 after the feedback row
// was written (so the client's retry duplicated it). Now 400 before any handler runs.
TEST_F(ApiTest, Issue11InvalidUtf8AnywhereIs400BeforeAnyHandler) {
  auto cli = server_->Client();
  json j = Json(cli.Get("/v1/recommendations?emotion=happy&n=1"));
  ASSERT_EQ(j["recommendations"].size(), 1u);
  const std::string id = std::to_string(j["recommendations"][0]["id"].get<std::int64_t>());
  httplib::MultipartFormDataItems form = {
      {"listener", "bob\xff\xfe", "", ""}, {"track_id", id, "", ""}, {"action", "like", "", ""}};
  auto r = cli.Post("/v1/feedback", form);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400) << r->body;
  EXPECT_NE(r->body.find("invalid UTF-8 in form field 'listener'"), std::string::npos) << r->body;
  httplib::Params params{{"listener", "bob"}, {"track_id", id}, {"action", "like"}};
  r = cli.Post("/v1/feedback", httplib::Headers{{"X-Note", "caf\xc3"}}, params);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400) << r->body;
  r = cli.Post("/v1/feedback", "{\"listener\": \"bob\"}", "application/json; charset=\xc0\xaf");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400) << r->body;
  // An image sent as a plain field (curl -F 'image=<x.jpg': no filename) is bytes, not text.
  httplib::MultipartFormDataItems image_field = {{"image", ReadFile(photos_.front()), "", ""}};
  r = cli.Post("/v1/analyze", image_field);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  r = cli.Get("/v1/recommendations?emotion=happy&listener=%ED%A0%80");  // a UTF-16 surrogate
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400) << r->body;
}

// Issue 13: genre=polka answered 200 and [] without a word.
TEST_F(ApiTest, Issue13UnknownGenreIsNamedInAWarning) {
  auto cli = server_->Client();
  json j = Json(cli.Get("/v1/recommendations?emotion=happy&genre=polka,gospel"));
  ASSERT_TRUE(j.contains("warnings")) << j.dump();
  const json& w = j["warnings"][0];
  EXPECT_EQ(w["code"], "unknown_genre");
  const std::string msg = w["message"];
  EXPECT_NE(msg.find("'polka'"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("'gospel'"), std::string::npos) << msg;  // known: not listed as unknown
  EXPECT_NE(msg.find("jazz"), std::string::npos) << msg;      // the known genres are listed
  j = Json(cli.Get("/v1/recommendations?emotion=happy&genre=gospel"));
  EXPECT_FALSE(j.contains("warnings")) << j.dump();
}

// Issue 11: a 7.9 MB genre list took 8 s of CPU and 330 MB. At most 32 genres of 64 bytes.
TEST_F(ApiTest, Issue11GenreListsAreCapped) {
  auto cli = server_->Client();
  std::string many;
  for (int i = 0; i < 33; ++i) many += (i ? "," : "") + std::string("g") + std::to_string(i);
  auto r = cli.Get(("/v1/recommendations?emotion=happy&genre=" + many).c_str());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400) << r->body;
  r = cli.Get(("/v1/recommendations?emotion=happy&genre=" + std::string(65, 'x')).c_str());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400) << r->body;
  std::string ok32;
  for (int i = 0; i < 32; ++i) ok32 += (i ? "," : "") + std::string("pop");
  r = cli.Get(("/v1/recommendations?emotion=happy&genre=" + ok32).c_str());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
}

TEST_F(ApiTest, HealthAndWebPage) {
  auto cli = server_->Client();
  auto r = cli.Get("/healthz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  r = cli.Get("/readyz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  r = cli.Get("/");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type").rfind("text/html", 0), 0u);
  EXPECT_NE(r->body.find("<html"), std::string::npos);
  for (const char* asset : {"/assets/app.js", "/assets/style.css"}) {
    r = cli.Get(asset);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << asset;
    EXPECT_FALSE(r->body.empty()) << asset;
  }
  r = cli.Get("/assets/../CMakeLists.txt");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
}

TEST_F(ApiTest, MetricsCountRequestsAndStages) {
  auto cli = server_->Client();
  auto r = cli.Post("/recommend", Upload("files", ReadFile(photos_.front())));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  r = cli.Post("/recommend", "hello", "text/plain");
  ASSERT_TRUE(r);
  // Requests are counted by the access-log hook, which runs just after the answer is sent:
  // poll until both are in (a deadline, not a timing assertion).
  std::string text;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  do {
    auto m = cli.Get("/metrics");
    ASSERT_TRUE(m);
    ASSERT_EQ(m->status, 200);
    EXPECT_EQ(m->get_header_value("Content-Type").rfind("text/plain", 0), 0u);
    text = m->body;
  } while (text.find("duration_seconds_count{route=\"/recommend\"} 2") == std::string::npos &&
           std::chrono::steady_clock::now() < deadline);
  EXPECT_NE(text.find("# TYPE moodtune_http_requests_total counter"), std::string::npos);
  EXPECT_NE(text.find("moodtune_http_requests_total{route=\"/recommend\",method=\"POST\","
                      "status=\"200\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("moodtune_http_requests_total{route=\"/recommend\",method=\"POST\","
                      "status=\"415\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("moodtune_http_request_duration_seconds_count{route=\"/recommend\"} 2"),
            std::string::npos);
  for (const char* stage : {"decode", "analyze", "recommend"})
    EXPECT_NE(
        text.find(std::string("moodtune_stage_duration_seconds_count{stage=\"") + stage + "\"} 1"),
        std::string::npos)
        << stage;
  // Issue 12: the annotated image is drawn only when fetched.
  EXPECT_EQ(text.find("moodtune_stage_duration_seconds_count{stage=\"annotate\"}"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("moodtune_models_ready 1"), std::string::npos);
  // Every sample line is `name{labels} value`; buckets are cumulative.
  const std::regex sample(R"(^[a-z_]+(\{[^}]*\})? [-+0-9.eE]+$)");
  std::istringstream lines(text);
  std::string line;
  int samples = 0;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    EXPECT_TRUE(std::regex_match(line, sample)) << line;
    ++samples;
  }
  EXPECT_GT(samples, 20);
}

TEST_F(ApiTest, AccessLogHasRequestIdAndNoImageBytes) {
  auto cli = server_->Client();
  httplib::Headers h{{"X-Request-Id", "test-rid-42"}};
  auto r = cli.Post("/recommend?listener=secret-listener", h,
                    Upload("files", ReadFile(photos_.front())));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->get_header_value("X-Request-Id"), "test-rid-42");
  r = cli.Get("/healthz");
  ASSERT_TRUE(r);
  const std::string generated = r->get_header_value("X-Request-Id");
  EXPECT_EQ(generated.size(), 16u);
  server_->Stop();  // every access-log line is written once the workers have finished
  const std::string log = server_->log_text();
  EXPECT_NE(log.find("\"rid\":\"test-rid-42\""), std::string::npos) << log;
  EXPECT_NE(log.find("\"rid\":\"" + generated + "\""), std::string::npos) << log;
  EXPECT_NE(log.find("\"route\":\"/recommend\",\"status\":200"), std::string::npos) << log;
  EXPECT_EQ(log.find("secret-listener"), std::string::npos) << "query strings stay out";
  EXPECT_EQ(log.find("\xFF\xD8\xFF"), std::string::npos) << "no JPEG bytes";
  EXPECT_EQ(log.find("JFIF"), std::string::npos) << "no JPEG bytes";
}

}  // namespace
}  // namespace moodtune::server
