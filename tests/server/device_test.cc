// POST /v1/device/mood (issue 6): the compact device answer for raw and multipart uploads,
// its error answers, and an end-to-end run of the device simulator core against the server.
#include <gtest/gtest.h>
#include <unistd.h>

#include <sstream>

#include "common/skip.h"
#include "moodtune/device_protocol.h"
#include "moodtune/device_sim.h"
#include "moodtune/device_protocol.h"
#include "test_support.h"

namespace moodtune::server {
namespace {
using namespace moodtune::server::testing;
namespace fs = std::filesystem;

device::MoodAnswer Parse(const std::string& body, device::ParseError* err) {
  device::MoodAnswer a;
  *err = device::ParseMoodAnswer(body.data(), body.size(), &a);
  return a;
}

// The emotion the analyzer sees on the first face of `path`, independent of the server.
Emotion ExpectedEmotion(const std::string& path, float* confidence = nullptr) {
  auto img = ReadImageFile(path);
  EXPECT_TRUE(img.ok());
  auto faces = SharedAnalyzer()->Analyze(*img);
  EXPECT_TRUE(faces.ok() && !faces->empty());
  if (confidence) *confidence = faces->front().confidence;
  return faces->front().emotion;
}

class DeviceEndpointTest : public ServerWithPhotosTest {};

TEST_F(DeviceEndpointTest, RawJpegAndMultipartGetTheProtocolAnswer) {
  const std::string& path = photos_.front();
  float confidence = 0;
  const Emotion expected = ExpectedEmotion(path, &confidence);
  auto cli = server_->Client();
  httplib::Headers h{{device::kDeviceIdHeader, "cam-01"}};
  auto raw = cli.Post(device::kMoodPath, h, ReadFile(path), "image/jpeg");
  auto multi = cli.Post(device::kMoodPath, h, Upload("image", ReadFile(path)));
  for (const httplib::Result* rp : {&raw, &multi}) {
    const httplib::Result& r = *rp;
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << r->body;
    EXPECT_EQ(r->get_header_value("Content-Type").rfind("text/plain", 0), 0u);
    EXPECT_LE(r->body.size(), device::kMaxAnswerBytes);
    device::ParseError err;
    auto a = Parse(r->body, &err);
    ASSERT_EQ(err, device::ParseError::kOk) << device::ParseErrorName(err) << "\n" << r->body;
    EXPECT_EQ(a.status, device::AnswerStatus::kOk);
    EXPECT_EQ(static_cast<int>(a.emotion), static_cast<int>(expected));
    EXPECT_NEAR(a.confidence_milli / 1000.0, confidence, 0.0011);
    ASSERT_TRUE(a.has_rgb);
    EXPECT_EQ(a.rgb, device::EmotionColor(a.emotion));
    EXPECT_GT(std::strlen(a.title), 0u);
    EXPECT_GT(std::strlen(a.artist), 0u);
    EXPECT_EQ(std::string(a.url).rfind("https://", 0), 0u);
  }
}

TEST_F(DeviceEndpointTest, ErrorsAreProtocolAnswersToo) {
  auto cli = server_->Client();
  struct Case {
    httplib::Result res;
    int http;
    device::AnswerStatus status;
  };
  httplib::Headers bad_id{{device::kDeviceIdHeader, std::string(40, 'x')}};
  std::vector<Case> cases;
  cases.push_back(
      {cli.Post(device::kMoodPath, BlankPng(), "image/png"), 422, device::AnswerStatus::kNoFace});
  cases.push_back(
      {cli.Post(device::kMoodPath, "garbage", "image/jpeg"), 422, device::AnswerStatus::kError});
  cases.push_back(
      {cli.Post(device::kMoodPath, "{}", "application/json"), 415, device::AnswerStatus::kError});
  cases.push_back({cli.Post(device::kMoodPath, bad_id, ReadFile(photos_.front()), "image/jpeg"),
                   400, device::AnswerStatus::kError});
  cases.push_back(
      {cli.Post(device::kMoodPath, "", "image/jpeg"), 400, device::AnswerStatus::kError});
  for (std::size_t i = 0; i < cases.size(); ++i) {
    ASSERT_TRUE(cases[i].res) << i;
    EXPECT_EQ(cases[i].res->status, cases[i].http) << i << ": " << cases[i].res->body;
    device::ParseError err;
    auto a = Parse(cases[i].res->body, &err);
    ASSERT_EQ(err, device::ParseError::kOk) << i << ": " << cases[i].res->body;
    EXPECT_EQ(a.status, cases[i].status) << i;
  }
}

// Issue 6's end-to-end check: the simulator (the firmware core on Linux) photographs a face
// photo, uploads it to the real service and lights the LED in the emotion's colour.
TEST(DeviceSimEndToEndTest, LedShowsTheDetectedEmotionsColour) {
  const auto photos = FacePhotos();
  if (photos.empty()) MOODTUNE_SKIP_OR_FAIL("install libdlib-dev for the face photos");
  const std::string& photo = photos.front();
  const Emotion expected = ExpectedEmotion(photo);
  TestServer server;
  ASSERT_TRUE(server.ok());

  const fs::path dir =
      fs::temp_directory_path() / ("moodtune_server_device_e2e_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::copy_file(photo, dir / "face.jpg");

  device_sim::SimOptions o;
  o.server = server.url();
  o.images = dir.string();
  o.max_results = 1;
  o.interval_ms = 10;
  o.ansi = false;
  std::ostringstream out, log;
  auto r = device_sim::RunDeviceSim(o, out, log);
  fs::remove_all(dir);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->final_state, device::State::kShow) << log.str();
  EXPECT_EQ(r->failures, 0u) << log.str();
  EXPECT_EQ(static_cast<int>(r->answer.emotion), static_cast<int>(expected));
  const device::Rgb want = device::EmotionColor(static_cast<device::WireEmotion>(expected));
  EXPECT_EQ(r->result_color, want)
      << "led rgb(" << int(r->result_color.r) << "," << int(r->result_color.g) << ","
      << int(r->result_color.b) << ")";
  EXPECT_NE(out.str().find(device::WireEmotionName(r->answer.emotion)), std::string::npos)
      << out.str();
}

}  // namespace
}  // namespace moodtune::server
