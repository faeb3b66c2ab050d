// The device simulator against a fake service (httplib::Server on 127.0.0.1 in a thread) that
// answers the device protocol. The fake reads the emotion to answer from a marker in the
// uploaded "JPEG", so the test checks the whole path: file -> core -> HTTP -> parse -> LED.
#include "moodtune/device_sim.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "common/skip.h"
#include "moodtune/device_protocol.h"
#include "moodtune_core/color.h"
#include "moodtune_core/on_device.h"

namespace moodtune::device_sim {
namespace {
namespace fs = std::filesystem;
using device::WireEmotion;

struct Seen {
  std::string content_type, device_id, authorization, image;
  std::chrono::steady_clock::time_point at;
};

class FakeService : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("moodtune_sim_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    server_.Post(device::kMoodPath, [this](const httplib::Request& req, httplib::Response& res) {
      Seen s;
      s.content_type = req.get_header_value("Content-Type");
      s.device_id = req.get_header_value(device::kDeviceIdHeader);
      s.authorization = req.get_header_value(device::kAuthorizationHeader);
      s.at = std::chrono::steady_clock::now();
      s.image = req.is_multipart_form_data() ? req.get_file_value("image").content : req.body;
      {
        std::lock_guard<std::mutex> lock(mu_);
        seen_.push_back(s);
      }
      device::MoodAnswer a;
      int http = 200;
      if (s.image.find("busy") != std::string::npos && seen().size() == 1) {
        a.status = device::AnswerStatus::kError;  // the first upload only
        std::snprintf(a.error, sizeof(a.error), "not_ready");
        http = 503;
        res.set_header(device::kRetryAfterHeader, "2");
      } else if (s.image.rfind("\xFF\xD8", 0) != 0) {
        a.status = device::AnswerStatus::kError;
        std::snprintf(a.error, sizeof(a.error), "not a jpeg");
        http = 400;
      } else if (s.image.find("noface") != std::string::npos) {
        a.status = device::AnswerStatus::kNoFace;
      } else {
        a.status = device::AnswerStatus::kOk;
        for (int i = 0; i < device::kNumWireEmotions; ++i) {
          const auto e = static_cast<WireEmotion>(i);
          if (s.image.find(device::WireEmotionName(e)) != std::string::npos) a.emotion = e;
        }
        a.confidence_milli = 875;
        if (s.image.find("rgb") != std::string::npos) {
          a.has_rgb = 1;
          a.rgb = {12, 34, 56};
        }
        std::snprintf(a.title, sizeof(a.title), "Song for %s", device::WireEmotionName(a.emotion));
        std::snprintf(a.artist, sizeof(a.artist), "Fake Artist");
      }
      char buf[device::kMaxAnswerBytes];
      const std::size_t n = device::EncodeMoodAnswer(a, buf, sizeof(buf));
      res.status = http;
      res.set_content(std::string(buf, n), "text/plain");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 500 && !server_.is_running(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    ASSERT_TRUE(server_.is_running());
  }

  void TearDown() override {
    server_.stop();
    if (thread_.joinable()) thread_.join();
    fs::remove_all(dir_);
  }

  std::string WriteJpeg(const std::string& name, const std::string& marker) {
    std::string bytes = "\xFF\xD8\xFF\xE0" + marker + std::string(300, '\x11') + "\xFF\xD9";
    std::ofstream(dir_ / name, std::ios::binary) << bytes;
    return bytes;
  }

  SimOptions Options() const {
    SimOptions o;
    o.server = "http://127.0.0.1:" + std::to_string(port_);
    o.images = dir_.string();
    o.interval_ms = 20;
    o.show_ms = 20;
    o.max_results = 1;
    o.ansi = false;
    o.timeout_ms = 2000;
    return o;
  }

  std::vector<Seen> seen() {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }

  fs::path dir_;
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  std::vector<Seen> seen_;
};

TEST_F(FakeService, OnceShowsTheEmotionColourForARawJpeg) {
  const std::string bytes = WriteJpeg("face.jpg", "sad");
  std::ostringstream out, log;
  auto r = RunDeviceSim(Options(), out, log);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->final_state, device::State::kShow) << log.str();
  EXPECT_EQ(r->answer.emotion, WireEmotion::kSad);
  EXPECT_EQ(r->result_color, device::EmotionColor(WireEmotion::kSad));
  EXPECT_STREQ(r->answer.title, "Song for sad");
  const auto s = seen();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].content_type, "image/jpeg");
  EXPECT_EQ(s[0].device_id, "device-sim");
  EXPECT_EQ(s[0].image, bytes);
  // The terminal line shows the same colour and the track.
  const device::Rgb c = device::EmotionColor(WireEmotion::kSad);
  const std::string rgb = "rgb(" + std::to_string(c.r) + "," + std::to_string(c.g) + "," +
                          std::to_string(c.b) + ")";
  EXPECT_NE(out.str().find(rgb), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("sad 0.875"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("Song for sad - Fake Artist"), std::string::npos) << out.str();
  // State changes are logged.
  EXPECT_NE(log.str().find("capture -> upload (face.jpg)"), std::string::npos) << log.str();
  EXPECT_NE(log.str().find("upload -> show (sad)"), std::string::npos) << log.str();
}

TEST_F(FakeService, MultipartUploadAndServerRgb) {
  const std::string bytes = WriteJpeg("a.jpg", "happy rgb");
  SimOptions o = Options();
  o.multipart = true;
  o.device_id = "kitchen-cam";
  std::ostringstream out, log;
  auto r = RunDeviceSim(o, out, log);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->final_state, device::State::kShow) << log.str();
  EXPECT_EQ(r->result_color, (device::Rgb{12, 34, 56}));
  const auto s = seen();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].content_type.rfind("multipart/form-data; boundary=", 0), 0u);
  EXPECT_EQ(s[0].device_id, "kitchen-cam");
  EXPECT_EQ(s[0].image, bytes) << "the service's multipart parser recovers the exact JPEG";
}

TEST_F(FakeService, CyclesThroughImagesInNameOrder) {
  const std::string first = WriteJpeg("1.jpg", "happy");
  const std::string second = WriteJpeg("2.jpeg", "angry");
  WriteJpeg("notes.txt", "neutral");  // not a JPEG name: skipped
  SimOptions o = Options();
  o.max_results = 3;
  std::ostringstream out, log;
  auto r = RunDeviceSim(o, out, log);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const auto s = seen();
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].image, first);
  EXPECT_EQ(s[1].image, second);
  EXPECT_EQ(s[2].image, first);
  EXPECT_EQ(r->answer.emotion, WireEmotion::kHappy);
  EXPECT_EQ(r->results, 3u);
}

TEST_F(FakeService, NoFaceEndsInTheNoFaceState) {
  WriteJpeg("empty_room.jpg", "noface");
  std::ostringstream out, log;
  auto r = RunDeviceSim(Options(), out, log);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->final_state, device::State::kNoFace);
  EXPECT_EQ(r->failures, 1u);
  EXPECT_NE(out.str().find("no_face"), std::string::npos);
}

TEST_F(FakeService, RefusedRequestIsShownAndNotRetried) {
  std::ofstream(dir_ / "bad.jpg", std::ios::binary) << "not a jpeg at all";
  std::ostringstream out, log;
  SimOptions o = Options();
  o.max_results = 2;  // the second outcome comes from the next interval's capture, not a retry
  auto r = RunDeviceSim(o, out, log);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->final_state, device::State::kRejected);
  EXPECT_NE(log.str().find("http 400, not a jpeg"), std::string::npos) << log.str();
  EXPECT_EQ(log.str().find("retry"), std::string::npos) << log.str();
}

TEST_F(FakeService, ApiKeyIsSentAsBearerAuthorization) {
  WriteJpeg("face.jpg", "happy");
  SimOptions o = Options();
  o.api_key = "sim-key-123";
  std::ostringstream out, log;
  auto r = RunDeviceSim(o, out, log);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->final_state, device::State::kShow) << log.str();
  const auto s = seen();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].authorization, "Bearer sim-key-123");
  o.api_key = "two words";
  EXPECT_FALSE(RunDeviceSim(o, out, log).ok()) << "a key that cannot be a header is refused";
}

TEST_F(FakeService, RetryAfterFromA503IsHonoured) {
  WriteJpeg("face.jpg", "busy happy");
  SimOptions o = Options();
  o.max_results = 2;
  std::ostringstream out, log;
  auto r = RunDeviceSim(o, out, log);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->final_state, device::State::kShow) << log.str();
  const auto s = seen();
  ASSERT_EQ(s.size(), 2u) << log.str();
  // Retry-After: 2 against a first backoff of at most 1 s.
  EXPECT_GE(s[1].at - s[0].at, std::chrono::milliseconds(2000)) << log.str();
}

TEST_F(FakeService, ClosedPortIsServerUnreachable) {
  WriteJpeg("face.jpg", "happy");
  // Bind a port, then close it: nothing listens there now.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const int closed_port = ntohs(addr.sin_port);
  ::close(fd);
  SimOptions o = Options();
  o.timeout_ms = 500;
  o.server = "http://127.0.0.1:" + std::to_string(closed_port);
  std::ostringstream out, log;
  auto r = RunDeviceSim(o, out, log);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->final_state, device::State::kServerUnreachable);
  EXPECT_TRUE(seen().empty());
}

TEST_F(FakeService, BadSetupIsAnError) {
  SimOptions o = Options();  // folder has no JPEGs yet
  std::ostringstream out, log;
  EXPECT_TRUE(RunDeviceSim(o, out, log).status().IsInvalidArgument());
  WriteJpeg("face.jpg", "happy");
  o.server = "localhost:8080";
  EXPECT_TRUE(RunDeviceSim(o, out, log).status().IsInvalidArgument());
  o = Options();
  o.images = (dir_ / "missing").string();
  EXPECT_TRUE(RunDeviceSim(o, out, log).status().IsInvalidArgument());
  o = Options();
  o.device_id = "two words";
  EXPECT_TRUE(RunDeviceSim(o, out, log).status().IsInvalidArgument());
}

// A real face photo for the on-device path (the dlib examples, as the CLI tests use).
constexpr const char* kFacePhoto = "/usr/share/doc/libdlib19.1/examples/faces/2009_004587.jpg";

// What the device should read from `jpeg_path`, computed apart from the core's crop code:
// OpenCV's centre square + INTER_AREA resize, then the int8 net. -1 when the photo is missing.
int ExpectedOnDevice(const std::string& jpeg_path, int permille) {
  const cv::Mat g = cv::imread(jpeg_path, cv::IMREAD_GRAYSCALE);
  if (g.empty()) return -1;
  const int side = std::min(g.rows, g.cols) * permille / 1000;
  cv::Mat crop;
  cv::resize(g(cv::Rect((g.cols - side) / 2, (g.rows - side) / 2, side, side)), crop,
             cv::Size(48, 48), 0, 0, cv::INTER_AREA);
  std::vector<std::uint8_t> arena(device::Int8ArenaBytes(device::kEmotionInt8Net));
  std::int32_t logits[device::kNumWireEmotions];
  return device::RunInt8Net(device::kEmotionInt8Net, crop.ptr<std::uint8_t>(), arena.data(),
                            arena.size(), logits);
}

TEST_F(FakeService, OnDeviceSetsTheLedWithoutAnyServer) {
  const int want = ExpectedOnDevice(kFacePhoto, SimOptions{}.crop_permille);
  if (want < 0) MOODTUNE_SKIP_OR_FAIL(kFacePhoto << " missing (apt-get install libdlib-data/libdlib-dev docs)");
  fs::copy_file(kFacePhoto, dir_ / "face.jpg");
  SimOptions o = Options();
  o.on_device = true;
  o.server.clear();  // no service at all
  std::ostringstream out, log;
  auto r = RunDeviceSim(o, out, log);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const auto e = static_cast<WireEmotion>(want);
  EXPECT_EQ(r->final_state, device::State::kShow) << log.str();
  EXPECT_EQ(r->on_device_emotion, e) << log.str();
  EXPECT_EQ(r->result_color, device::EmotionColor(e));
  EXPECT_EQ(r->failures, 0u);
  EXPECT_TRUE(seen().empty()) << "nothing is uploaded";
  const std::string name = device::WireEmotionName(e);
  EXPECT_NE(log.str().find("capture -> show (face.jpg) (on-device " + name + ")"), std::string::npos)
      << log.str();
  const device::Rgb c = device::EmotionColor(e);
  EXPECT_NE(out.str().find("rgb(" + std::to_string(c.r) + "," + std::to_string(c.g) + "," +
                           std::to_string(c.b) + ")  show  on-device " + name),
            std::string::npos)
      << out.str();
}

TEST_F(FakeService, OnDeviceKeepsItsEmotionAndTakesMusicFromTheService) {
  const int want = ExpectedOnDevice(kFacePhoto, SimOptions{}.crop_permille);
  if (want < 0) MOODTUNE_SKIP_OR_FAIL(kFacePhoto << " missing");
  const auto e = static_cast<WireEmotion>(want);
  // The fake answers the emotion named after the JPEG's end: one the device did not read.
  const WireEmotion other = e == WireEmotion::kSurprise ? WireEmotion::kAngry : WireEmotion::kSurprise;
  {
    std::ifstream in(kFacePhoto, std::ios::binary);
    std::ofstream f(dir_ / "face.jpg", std::ios::binary);
    f << in.rdbuf() << device::WireEmotionName(other);
  }
  SimOptions o = Options();
  o.on_device = true;
  std::ostringstream out, log;
  auto r = RunDeviceSim(o, out, log);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->final_state, device::State::kShow) << log.str();
  EXPECT_EQ(r->on_device_emotion, e);
  EXPECT_EQ(r->result_color, device::EmotionColor(e)) << "the LED shows the device's read";
  EXPECT_EQ(seen().size(), 1u);
  EXPECT_EQ(r->answer.status, device::AnswerStatus::kOk);
  EXPECT_EQ(std::string(r->answer.title), std::string("Song for ") + device::WireEmotionName(other));
  EXPECT_NE(log.str().find("capture -> upload (face.jpg) (on-device " +
                           std::string(device::WireEmotionName(e)) + ")"),
            std::string::npos)
      << log.str();
  EXPECT_NE(out.str().find("Song for"), std::string::npos) << out.str();
}

TEST(DeviceSim, OnDeviceNeedsNoServerButOtherwiseOneIsRequired) {
  SimOptions o;
  o.images = "/nonexistent-folder";
  std::ostringstream out, log;
  EXPECT_NE(RunDeviceSim(o, out, log).status().ToString().find("--server"), std::string::npos)
      << "without --on-device the server is required";
  o.on_device = true;
  EXPECT_NE(RunDeviceSim(o, out, log).status().ToString().find("nonexistent-folder"), std::string::npos)
      << "with --on-device the missing server is fine; the folder is what fails";
  o.crop_permille = 0;
  EXPECT_TRUE(RunDeviceSim(o, out, log).status().IsInvalidArgument());
}

TEST(DeviceSim, ParseDuration) {
  EXPECT_EQ(ParseDurationMs("5s"), 5000u);
  EXPECT_EQ(ParseDurationMs("5"), 5000u);
  EXPECT_EQ(ParseDurationMs("250ms"), 250u);
  EXPECT_EQ(ParseDurationMs("2m"), 120000u);
  EXPECT_EQ(ParseDurationMs("86400s"), 86400000u);
  EXPECT_FALSE(ParseDurationMs("86401s"));
  EXPECT_FALSE(ParseDurationMs(""));
  EXPECT_FALSE(ParseDurationMs("s"));
  EXPECT_FALSE(ParseDurationMs("-1s"));
  EXPECT_FALSE(ParseDurationMs("5h"));
  EXPECT_FALSE(ParseDurationMs("1.5s"));
}

TEST(DeviceSim, LedLineUsesTrueColour) {
  device::MoodAnswer a;
  a.status = device::AnswerStatus::kOk;
  a.emotion = WireEmotion::kFear;
  a.confidence_milli = 42;
  const std::string line = LedLine(device::State::kShow, device::Rgb{1, 2, 3}, a, true);
  EXPECT_EQ(line.rfind("\x1b[48;2;1;2;3m", 0), 0u) << line;
  EXPECT_NE(line.find("\x1b[0m"), std::string::npos);
  EXPECT_NE(line.find("fear 0.042"), std::string::npos) << line;
  const std::string err = LedLine(device::State::kNoWifi, device::Rgb{0, 0, 255}, a, false);
  EXPECT_EQ(err, "rgb(0,0,255)  no_wifi");
}

}  // namespace
}  // namespace moodtune::device_sim
