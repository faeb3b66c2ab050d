// Pure parts of the server: the Status -> HTTP mapping, the image store's ids and retention,
// the metrics text, route labels and the device answers.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <set>

#include "errors.h"
#include "http_util.h"
#include "image_store.h"
#include "metrics.h"
#include "moodtune/device_protocol.h"
#include "peer_budget.h"
#include "service.h"
#include "views.h"

namespace moodtune::server {
namespace {

TEST(Utf8Test, AcceptsWellFormedAndRefusesEveryIllFormedClass) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x8e\xb5"));  // é € 🎵
  EXPECT_FALSE(IsValidUtf8("\xff"));                                      // never valid
  EXPECT_FALSE(IsValidUtf8("\x80"));                                      // lone continuation
  EXPECT_FALSE(IsValidUtf8("caf\xc3"));                                   // truncated
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));                                  // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xe0\x80\xaf"));                              // overlong, 3 bytes
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));                              // surrogate U+D800
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));                          // above U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xe2\x28\xa1"));                              // bad continuation
}

TEST(ErrorsTest, StatusToHttpMapping) {
  EXPECT_EQ(FromStatus(Status::InvalidArgument("x"), ErrorContext::kImage).http, 422);
  EXPECT_EQ(FromStatus(Status::InvalidArgument("x"), ErrorContext::kImage).code,
            "undecodable_image");
  EXPECT_EQ(FromStatus(Status::InvalidArgument("x")).http, 400);
  EXPECT_EQ(FromStatus(Status::ResourceExhausted("x"), ErrorContext::kImage).http, 413);
  EXPECT_EQ(FromStatus(Status::NotFound("x")).http, 404);
  EXPECT_EQ(FromStatus(Status::Unsupported("x")).http, 415);
  EXPECT_EQ(FromStatus(Status::Unavailable("x")).http, 503);
  EXPECT_EQ(FromStatus(Status::DeadlineExceeded("x")).http, 504);
  EXPECT_EQ(FromStatus(Status::Internal("x")).http, 500);
  EXPECT_EQ(MissingField("files").http, 400);
  EXPECT_EQ(FromHttpStatus(413).code, "payload_too_large");
  auto j = nlohmann::json::parse(ErrorJson(NoFace()));
  EXPECT_EQ(j["error"]["code"], "no_face");
  EXPECT_TRUE(j["error"]["message"].is_string());
}

TEST(ImageStoreTest, IdsAreRandomHexAndValidated) {
  std::set<std::string> ids;
  for (int i = 0; i < 200; ++i) {
    const std::string id = RandomId();
    EXPECT_TRUE(IsValidId(id)) << id;
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 200u);
  EXPECT_FALSE(IsValidId(""));
  EXPECT_FALSE(IsValidId("../../etc/passwd"));
  EXPECT_FALSE(IsValidId(std::string(32, 'A')));
  EXPECT_FALSE(IsValidId(std::string(31, 'a') + "/"));
}

TEST(ImageStoreTest, RetentionByCountAndAge) {
  auto now = std::chrono::steady_clock::time_point{};
  ImageStore store(3, std::chrono::seconds(60), [&] { return now; });
  const std::string a = store.Put("A");
  now += std::chrono::seconds(10);
  const std::string b = store.Put("B");
  const std::string c = store.Put("C");
  ASSERT_TRUE(store.Get(a));
  EXPECT_EQ(*store.Get(a), "A");
  const std::string d = store.Put("D");  // count: a goes
  EXPECT_FALSE(store.Get(a));
  EXPECT_TRUE(store.Get(b));
  EXPECT_EQ(store.size(), 3u);
  now += std::chrono::seconds(61);  // age: everything goes
  EXPECT_FALSE(store.Get(b));
  EXPECT_FALSE(store.Get(d));
  EXPECT_EQ(store.size(), 0u);
  EXPECT_FALSE(store.Get("not-an-id"));
}

// Issue 12: the annotated image is drawn when fetched, once, never on the request path.
TEST(ImageStoreTest, Issue12LazyEntriesRenderOnceOnFirstGet) {
  ImageStore store(8, std::chrono::seconds(60), nullptr, /*max_bytes=*/100);
  int renders = 0;
  const std::string id = store.PutLazy(40, [&] {
    ++renders;
    return std::string("JPEG");
  });
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(renders, 0);
  ASSERT_TRUE(store.Get(id));
  EXPECT_EQ(*store.Get(id), "JPEG");
  EXPECT_EQ(renders, 1);
  // A render that fails gives nullptr, and is not retried.
  const std::string bad = store.PutLazy(10, [&] {
    ++renders;
    return std::string();
  });
  EXPECT_FALSE(store.Get(bad));
  EXPECT_FALSE(store.Get(bad));
  EXPECT_EQ(renders, 2);
  // The byte budget counts the pending source: 40 + 10 + 60 > 100 evicts the oldest.
  const std::string big = store.PutLazy(60, [] { return std::string("X"); });
  EXPECT_FALSE(store.Get(id));
  EXPECT_TRUE(store.Get(big));
  EXPECT_TRUE(store.PutLazy(101, [] { return std::string("Y"); }).empty());  // alone too big
}

TEST(RenderAnnotatedTest, Issue12AtMost1024PxOnTheLongSideWithBoxesScaled) {
  cv::Mat big(1500, 3000, CV_8UC3, cv::Scalar(40, 40, 40));
  std::vector<std::uint8_t> png;
  cv::imencode(".png", big, png);
  Face f;
  f.detection.box = {1000, 500, 600, 600};
  const std::string jpeg =
      RenderAnnotated(std::string(png.begin(), png.end()), {f}, DecodeOptions{}, 85);
  ASSERT_FALSE(jpeg.empty());
  cv::Mat out = cv::imdecode(std::vector<std::uint8_t>(jpeg.begin(), jpeg.end()), cv::IMREAD_COLOR);
  ASSERT_EQ(out.cols, 1024);
  EXPECT_EQ(out.rows, 512);
  // The box was drawn where the face is at the new scale (left edge x = 1000 * 1024/3000
  // = 341, middle row y = 272), and nothing where the unscaled box would be (x = 1000).
  auto drawn = [&](int x, int y) {
    int most = 0;
    for (int dx = -2; dx <= 2; ++dx) {
      const cv::Vec3b p = out.at<cv::Vec3b>(y, x + dx);
      for (int c = 0; c < 3; ++c) most = std::max(most, std::abs(int(p[c]) - 40));
    }
    return most > 30;
  };
  EXPECT_TRUE(drawn(341, 272));
  EXPECT_FALSE(drawn(1000, 272));
  EXPECT_TRUE(RenderAnnotated("not an image", {f}, DecodeOptions{}, 85).empty());
}

TEST(MetricsTest, RendersCumulativeBucketsAndCounts) {
  Metrics m;
  m.ObserveRequest("/recommend", "POST", 200, 0.004);
  m.ObserveRequest("/recommend", "POST", 200, 0.03);
  m.ObserveRequest("/recommend", "POST", 415, 0.0001);
  m.ObserveStage("analyze", 0.012);
  const std::string t = m.Render();
  EXPECT_NE(t.find("moodtune_http_requests_total{route=\"/recommend\",method=\"POST\","
                   "status=\"200\"} 2\n"),
            std::string::npos)
      << t;
  EXPECT_NE(t.find("moodtune_http_request_duration_seconds_bucket{route=\"/recommend\","
                   "le=\"0.005\"} 2\n"),
            std::string::npos)
      << t;
  EXPECT_NE(t.find("moodtune_http_request_duration_seconds_bucket{route=\"/recommend\","
                   "le=\"+Inf\"} 3\n"),
            std::string::npos);
  EXPECT_NE(t.find("moodtune_stage_duration_seconds_count{stage=\"analyze\"} 1\n"),
            std::string::npos);
}

TEST(MetricsTest, RouteLabelsAreBounded) {
  EXPECT_EQ(RouteLabel("/recommend"), "/recommend");
  EXPECT_EQ(RouteLabel("/static/0123.jpg"), "/static/{id}");
  EXPECT_EQ(RouteLabel("/random/attacker/path"), "other");
  EXPECT_EQ(RouteLabel("/v1/live"), "/v1/live");
  EXPECT_EQ(RouteLabel("/v1/live/0123/frames"), "/v1/live/{id}/frames");
  EXPECT_EQ(RouteLabel("/v1/live/0123"), "/v1/live/{id}");
}

TEST(MetricsTest, MethodLabelsAreBounded) {
  EXPECT_EQ(MethodLabel("GET"), "GET");
  EXPECT_EQ(MethodLabel("DELETE"), "DELETE");
  EXPECT_EQ(MethodLabel(""), "-");
  EXPECT_EQ(MethodLabel("get"), "other");
  EXPECT_EQ(MethodLabel(std::string(4000, 'X')), "other");
}

TEST(ViewsTest, DeviceAnswersParse) {
  Face f;
  f.emotion = Emotion::kSad;
  f.confidence = 0.8765f;
  music::Recommendation r;
  r.track.title = std::string(200, 't');  // longer than the protocol allows: cut
  r.track.artists = {"A", "B"};
  r.track.spotify_url = "https://open.spotify.com/search/x";
  const std::string ok = DeviceOkAnswer(f, {r});
  device::MoodAnswer a;
  ASSERT_EQ(device::ParseMoodAnswer(ok.data(), ok.size(), &a), device::ParseError::kOk) << ok;
  EXPECT_EQ(a.status, device::AnswerStatus::kOk);
  EXPECT_EQ(a.emotion, device::WireEmotion::kSad);
  EXPECT_EQ(a.confidence_milli, 877);
  EXPECT_EQ(a.rgb, device::EmotionColor(device::WireEmotion::kSad));
  EXPECT_EQ(std::string(a.artist), "A, B");
  EXPECT_EQ(std::strlen(a.title), device::kMaxTitleLen);
  const std::string nf = DeviceNoFaceAnswer();
  ASSERT_EQ(device::ParseMoodAnswer(nf.data(), nf.size(), &a), device::ParseError::kOk);
  EXPECT_EQ(a.status, device::AnswerStatus::kNoFace);
  const std::string err = DeviceErrorAnswer("bad\nthing");
  ASSERT_EQ(device::ParseMoodAnswer(err.data(), err.size(), &a), device::ParseError::kOk) << err;
  EXPECT_EQ(a.status, device::AnswerStatus::kError);
}

TEST(ViewsTest, ReferencePercentHasTwoDecimals) {
  EXPECT_DOUBLE_EQ(Percent2(0.99214f), 99.21);
  EXPECT_DOUBLE_EQ(Percent2(1.0f), 100.0);
  EXPECT_DOUBLE_EQ(Percent2(0.0f), 0.0);
}


// Issue 11: one address holds at most its share of connections and body bytes; what it gives
// back is available again, and other addresses are not affected by it.
TEST(PeerBudgetTest, PerPeerSharesAndServerWideLimits) {
  PeerBudget b(PeerBudgetLimits{3, 2, 100, 60});
  EXPECT_TRUE(b.Admit("a"));
  EXPECT_TRUE(b.Admit("a"));
  EXPECT_FALSE(b.Admit("a")) << "third connection from one peer";
  EXPECT_TRUE(b.Admit("b"));
  EXPECT_FALSE(b.Admit("c")) << "server-wide connection limit";
  EXPECT_EQ(b.connections(), 3u);
  EXPECT_TRUE(b.Reserve("a", 60));
  EXPECT_FALSE(b.Reserve("a", 1)) << "peer byte share spent";
  EXPECT_TRUE(b.Reserve("b", 40));
  EXPECT_FALSE(b.Reserve("b", 1)) << "server-wide bytes spent";
  b.Unreserve("a", 30);
  EXPECT_TRUE(b.Reserve("b", 20));
  EXPECT_EQ(b.bytes(), 90u);
  b.Leave("a", 30);  // closes one of a's connections with the 30 bytes it still held
  EXPECT_EQ(b.bytes(), 60u);
  EXPECT_TRUE(b.Admit("c"));
  EXPECT_EQ(b.connections(), 3u);
}

}  // namespace
}  // namespace moodtune::server
