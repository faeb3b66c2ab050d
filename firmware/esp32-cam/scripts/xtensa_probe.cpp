// Compiled only by cross_build.sh, never linked into firmware: an adapter-shaped
// implementation of the core's interfaces (as src/main.cpp has, without Arduino), a
// statically placed DeviceCore, and the protocol header's encoder and parser as out-of-line
// functions, so the Xtensa build covers all of device_protocol.h and the symbols an adapter
// pulls in (e.g. no operator delete from a deleting destructor) are checked too.
#include "moodtune/device_protocol.h"
#include "moodtune_core/device_core.h"
#include "moodtune_core/url.h"

namespace md = moodtune::device;

namespace {

class ProbeClock final : public md::Clock {
 public:
  uint32_t NowMs() override { return now_ += 10; }

 private:
  uint32_t now_ = 0;
};

class ProbeIo final : public md::DeviceIo {
 public:
  bool WifiConnected() override { return true; }
  void WifiReconnect() override {}
  bool Capture(md::Frame* out) override {
    out->data = kJpeg;
    out->len = sizeof(kJpeg);
    return true;
  }
  void ReleaseFrame() override {}
  md::HttpReply Post(const md::UploadRequest& req, char* body, size_t cap) override {
    md::HttpReply r;
    r.reached = req.content_length() > 0;
    r.http_status = 200;
    md::MoodAnswer a;
    a.status = md::AnswerStatus::kOk;
    a.confidence_milli = 900;
    r.body_len = md::EncodeMoodAnswer(a, body, cap);
    return r;
  }
  void SetLed(md::Rgb c) override { led_ = c; }
  uint32_t Random() override { return seed_ = seed_ * 1664525u + 1013904223u; }

 private:
  static constexpr uint8_t kJpeg[4] = {0xFF, 0xD8, 0xFF, 0xD9};
  md::Rgb led_;
  uint32_t seed_ = 1;
};

ProbeClock g_clock;
ProbeIo g_io;
// Placed statically, as the firmware places it at start-up: the core's whole RAM is this
// object, and cross_build.sh reads its size on the target from the symbol table (nm -S).
// Namespace scope rather than a function-local static: that would need a __cxa_guard, which
// the symbol check rejects (the firmware's setup() runs once, before any other task).
md::DeviceCore g_core(md::CoreOptions{}, &g_clock, &g_io);

}  // namespace

// Out-of-line entry points (extern "C" so their names are plain in nm and the stack report).
extern "C" size_t moodtune_probe_encode(const md::MoodAnswer* a, char* buf, size_t cap) {
  return md::EncodeMoodAnswer(*a, buf, cap);
}
extern "C" int moodtune_probe_parse(const char* data, size_t len, md::MoodAnswer* out) {
  return static_cast<int>(md::ParseMoodAnswer(data, len, out));
}
extern "C" int moodtune_probe_url(const char* url, md::ServerUrl* out) {
  return md::ParseServerUrl(url, out) ? 1 : 0;
}
extern "C" uint32_t moodtune_probe_run(uint32_t steps) {
  for (uint32_t i = 0; i < steps; ++i) {
    g_core.RequestCapture();
    g_core.Step();
  }
  return g_core.results();
}
