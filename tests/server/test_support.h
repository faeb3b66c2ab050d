// Shared helpers for the server tests: the dlib face photos, an analyzer built once per test
// process, and TestServer, a real moodtune Server on 127.0.0.1:<ephemeral> on its own thread.
// Thread-safety: TestServer is used from the test thread; the server serves on its own pool.
#pragma once

#include <gtest/gtest.h>
#include <httplib.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/skip.h"
#include "moodtune/app.h"
#include "moodtune/server.h"
#include "moodtune/vision.h"

namespace moodtune::server::testing {

inline const std::string kFacesDir = "/usr/share/doc/libdlib19.1/examples/faces";
inline const std::string kSource = MOODTUNE_SOURCE_DIR;
inline const std::string kFaceModel =
    kSource + "/models/blazeface/face_detection_back_256x256_barracuda.onnx";
inline const std::string kEmotionModel = kSource + "/models/emotion/emotion.onnx";

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Stands in for the emotion net while models/emotion/emotion.onnx is not there yet: a
// deterministic function of the crop's pixels, so different faces give different answers.
class PixelClassifier final : public EmotionClassifier {
 public:
  Result<EmotionProbs> Classify(const cv::Mat& face) const override {
    if (face.empty()) return Status::InvalidArgument("empty crop");
    cv::Mat gray;
    if (face.channels() == 3)
      cv::cvtColor(face, gray, cv::COLOR_BGR2GRAY);
    else
      gray = face;
    cv::Mat small;
    cv::resize(gray, small, {7, 1}, 0, 0, cv::INTER_AREA);
    EmotionProbs p{};
    float sum = 0;
    for (int i = 0; i < kNumEmotions; ++i) sum += p[i] = 1.0f + small.at<std::uint8_t>(0, i);
    for (float& v : p) v /= sum;
    return p;
  }
};

// The analyzer every test in this process shares (loading nets once keeps the suite quick):
// the real BlazeFace and emotion models, or PixelClassifier when the emotion model is absent.
inline std::shared_ptr<const Analyzer> SharedAnalyzer() {
  static const std::shared_ptr<const Analyzer> analyzer = [] {
    std::shared_ptr<const Analyzer> out;
    BlazeFaceOptions bo;
    bo.model_path = kFaceModel;
    auto det = CreateBlazeFaceDetector(bo);
    if (!det.ok()) return out;
    std::unique_ptr<EmotionClassifier> cls;
    if (std::filesystem::exists(kEmotionModel)) {
      ClassifierOptions co;
      co.model_path = kEmotionModel;
      auto c = CreateEmotionClassifier(co);
      if (c.ok()) cls = std::move(c).value();
    }
    if (!cls) cls = std::make_unique<PixelClassifier>();
    out = std::make_shared<Analyzer>(std::move(det).value(), std::move(cls), AlignOptions{});
    return out;
  }();
  return analyzer;
}

inline ServerOptions TestOptions() {
  ServerOptions o;
  o.port = 0;
  o.db = ":memory:";
  o.threads = 8;
  return o;
}

// A Server built as `moodtune serve` builds it: the composition root opens the stores
// (moodtune/app.h), with `loader` instead of the model files.
inline Result<std::unique_ptr<Server>> CreateServer(const ServerOptions& o, AnalyzerLoader loader,
                                                   std::shared_ptr<spdlog::logger> log = nullptr) {
  if (!log) log = std::make_shared<spdlog::logger>("test-null");  // no sinks: discards
  auto parts = OpenServiceParts(o, ::getenv, *log);
  if (!parts.ok()) return parts.status();
  parts->loader = std::move(loader);
  return Server::Create(o, std::move(parts).value(), log);
}

// A server on a thread; Stop + join in the destructor (the fixtures' TearDown).
class TestServer {
 public:
  explicit TestServer(ServerOptions o = TestOptions(), AnalyzerLoader loader = nullptr,
                      bool wait_ready = true) {
    if (!loader) loader = [] { return Result<std::shared_ptr<const Analyzer>>(SharedAnalyzer()); };
    log_ = std::make_shared<spdlog::logger>(
        "test", std::make_shared<spdlog::sinks::ostream_sink_mt>(log_text_));
    auto s = CreateServer(o, std::move(loader), log_);
    if (!s.ok()) {
      ADD_FAILURE() << s.status().ToString();
      return;
    }
    server_ = std::move(s).value();
    thread_ = std::thread([this] { run_status_ = server_->Run(); });
    // A deadline for start-up, not a timing assertion.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!server_->listening() || (wait_ready && !server_->ready())) {
      if (std::chrono::steady_clock::now() > deadline) {
        ADD_FAILURE() << "server did not start";
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  ~TestServer() { Stop(); }
  // Stops serving and joins the thread; the log stays readable.
  void Stop() {
    if (server_) server_->Stop();
    if (thread_.joinable()) thread_.join();
  }
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  bool ok() const { return server_ != nullptr; }
  Server& server() { return *server_; }
  int port() const { return server_->port(); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port()); }
  httplib::Client Client() const {
    httplib::Client c("127.0.0.1", port());
    c.set_read_timeout(60, 0);
    c.set_write_timeout(60, 0);
    return c;
  }
  std::string log_text() {
    log_->flush();
    return log_text_.str();
  }

 private:
  std::ostringstream log_text_;
  std::shared_ptr<spdlog::logger> log_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
  Status run_status_;
};

// A multipart upload of `bytes` under `field`.
inline httplib::MultipartFormDataItems Upload(const std::string& field, const std::string& bytes,
                                              const std::string& type = "image/jpeg") {
  return {{field, bytes, "photo.jpg", type}};
}

// Photos with at least one face as BlazeFace sees them, sorted by name.
inline std::vector<std::string> FacePhotos() {
  std::vector<std::string> out;
  if (!std::filesystem::is_directory(kFacesDir)) return out;
  for (const auto& e : std::filesystem::directory_iterator(kFacesDir))
    if (e.path().extension() == ".jpg") out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  std::vector<std::string> with_faces;
  for (const auto& p : out) {
    auto img = ReadImageFile(p);
    if (!img.ok()) continue;
    auto faces = SharedAnalyzer()->Analyze(*img);
    if (faces.ok() && !faces->empty()) with_faces.push_back(p);
  }
  return with_faces;
}

// A uniform grey PNG: decodable, but no face.
inline std::string BlankPng() {
  cv::Mat img(240, 320, CV_8UC3, cv::Scalar(128, 128, 128));
  std::vector<std::uint8_t> png;
  cv::imencode(".png", img, png);
  return std::string(png.begin(), png.end());
}

// Fixture base: the dlib face photos (skips without them) and a running TestServer.
class ServerWithPhotosTest : public ::testing::Test {
 protected:
  void SetUp() override {
    photos_ = FacePhotos();
    if (photos_.empty()) MOODTUNE_SKIP_OR_FAIL("install libdlib-dev for the face photos");
    server_ = std::make_unique<TestServer>();
    ASSERT_TRUE(server_->ok());
  }
  void TearDown() override { server_.reset(); }
  std::vector<std::string> photos_;
  std::unique_ptr<TestServer> server_;
};

}  // namespace moodtune::server::testing
