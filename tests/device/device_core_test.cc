#include "moodtune_core/device_core.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "fake_device.h"

namespace moodtune::device {
namespace {

using testing::FakeClock;
using testing::FakeIo;
using testing::OkReply;
using testing::RunUntil;
using testing::TextReply;
using testing::Unreachable;

std::vector<State> Path(const FakeIo& io) {
  std::vector<State> p;
  for (int i = 0; i < io.num_transitions; ++i) p.push_back(io.transitions[i].to);
  return p;
}

CoreOptions Quiet() {
  CoreOptions o;
  o.upload_backoff = BackoffOptions{1000, 8000, 2, 0};  // no jitter: exact delays
  o.device_id = "cam-7";
  return o;
}

TEST(DeviceCore, OptionDefaultsAreDocumented) {
  const CoreOptions o;
  EXPECT_EQ(o.interval_ms, 0u);
  EXPECT_EQ(o.fade_ms, 600u);
  EXPECT_EQ(o.show_ms, 8000u);
  EXPECT_EQ(o.no_face_ms, 2000u);
  EXPECT_EQ(o.camera_error_ms, 3000u);
  EXPECT_EQ(o.rejected_ms, 5000u);
  EXPECT_EQ(o.max_retry_after_ms, 300000u);
  EXPECT_EQ(o.max_retries, 5);
  EXPECT_EQ(o.encoding, UploadEncoding::kRawJpeg);
  EXPECT_STREQ(o.device_id, "");
  EXPECT_STREQ(o.api_key, "");
  EXPECT_EQ(o.on_device_net, nullptr) << "the service reads the emotion by default";
  EXPECT_EQ(o.crop_permille, 1000) << "fitted on faces-in-the-wild-train (firmware README)";
  EXPECT_TRUE(o.upload);
}

TEST(DeviceCore, ButtonRunsAFullCycleAndFadesToTheEmotionColour) {
  FakeClock clock;
  FakeIo io(&clock);
  io.Push(OkReply(WireEmotion::kSad, 810));
  const CoreOptions o = Quiet();
  DeviceCore core(o, &clock, &io);
  RunUntil(core, clock, 500);
  EXPECT_EQ(core.state(), State::kIdle) << "no capture without a trigger (interval 0)";
  EXPECT_EQ(io.captures, 0);

  core.RequestCapture();
  core.Step();  // -> capture
  core.Step();  // capture -> upload
  core.Step();  // upload -> show
  ASSERT_EQ(core.state(), State::kShow);
  EXPECT_EQ(Path(io), (std::vector<State>{State::kCapture, State::kUpload, State::kShow}));
  EXPECT_EQ(core.last_answer().emotion, WireEmotion::kSad);
  EXPECT_EQ(core.last_answer().confidence_milli, 810);
  EXPECT_STREQ(core.last_answer().title, "Track for sad");
  EXPECT_EQ(io.releases, 1);
  EXPECT_EQ(io.held, 0);
  EXPECT_STREQ(io.last_content_type, "image/jpeg");
  EXPECT_STREQ(io.last_device_id, "cam-7");
  EXPECT_STREQ(io.last_authorization, "") << "no API key configured: no header";
  EXPECT_EQ(io.last_jpeg, FakeIo::kJpeg);
  EXPECT_EQ(io.last_content_length, sizeof(FakeIo::kJpeg));

  const Rgb want = EmotionColor(WireEmotion::kSad);
  EXPECT_EQ(core.result_color(), want);
  const std::uint32_t shown_at = clock.now;
  RunUntil(core, clock, shown_at + o.fade_ms / 2);
  EXPECT_NE(io.led, want) << "mid-fade the LED is between off and the colour";
  EXPECT_GT(io.led.b, 0);
  RunUntil(core, clock, shown_at + o.fade_ms);
  EXPECT_EQ(io.led, want);
  // Stays lit for show_ms, then fades out and idles.
  RunUntil(core, clock, shown_at + o.show_ms - 20);
  EXPECT_EQ(core.state(), State::kShow);
  EXPECT_EQ(io.led, want);
  RunUntil(core, clock, shown_at + o.show_ms + o.fade_ms + 20);
  EXPECT_EQ(core.state(), State::kIdle);
  EXPECT_EQ(io.led, (Rgb{}));
  EXPECT_EQ(core.results(), 1u);
  EXPECT_EQ(core.failures(), 0u);
}

TEST(DeviceCore, ServerRgbOverridesPalette) {
  FakeClock clock;
  FakeIo io(&clock);
  io.Push(OkReply(WireEmotion::kHappy, 900, true, Rgb{10, 20, 30}));
  DeviceCore core(Quiet(), &clock, &io);
  core.RequestCapture();
  RunUntil(core, clock, 2000);
  EXPECT_EQ(core.state(), State::kShow);
  EXPECT_EQ(io.led, (Rgb{10, 20, 30}));
}

TEST(DeviceCore, IntervalTriggersCaptures) {
  FakeClock clock;
  FakeIo io(&clock);
  for (int i = 0; i < 5; ++i) io.Push(OkReply(WireEmotion::kNeutral, 500));
  CoreOptions o = Quiet();
  o.interval_ms = 3000;
  o.show_ms = 1000;
  DeviceCore core(o, &clock, &io);
  RunUntil(core, clock, 10000);
  // Captures at ~0, 3000, 6000, 9000.
  EXPECT_EQ(io.captures, 4);
  EXPECT_EQ(core.results(), 4u);
}

TEST(DeviceCore, ButtonInterruptsShow) {
  FakeClock clock;
  FakeIo io(&clock);
  io.Push(OkReply(WireEmotion::kHappy, 900));
  io.Push(OkReply(WireEmotion::kAngry, 900));
  DeviceCore core(Quiet(), &clock, &io);
  core.RequestCapture();
  RunUntil(core, clock, 1000);
  ASSERT_EQ(core.state(), State::kShow);
  core.RequestCapture();  // well before show_ms ends: the reference blocked 10 s here
  RunUntil(core, clock, 2000);
  EXPECT_EQ(core.state(), State::kShow);
  EXPECT_EQ(core.last_answer().emotion, WireEmotion::kAngry);
  EXPECT_EQ(io.led, EmotionColor(WireEmotion::kAngry));
}

TEST(DeviceCore, NoWifiBlinksReconnectsWithBackoffAndRecovers) {
  FakeClock clock;
  FakeIo io(&clock);
  io.wifi = false;
  io.Push(OkReply(WireEmotion::kSurprise, 600));
  CoreOptions o = Quiet();
  o.wifi_backoff = BackoffOptions{500, 4000, 2, 0};
  DeviceCore core(o, &clock, &io);
  core.RequestCapture();
  RunUntil(core, clock, 100);
  ASSERT_EQ(core.state(), State::kNoWifi);
  EXPECT_EQ(io.captures, 0);
  // Kicks at 0, then after 500, 1000, 2000, 4000 ms: 0, 500, 1500, 3500, 7500.
  RunUntil(core, clock, 7600);
  EXPECT_EQ(io.reconnects, 5);
  // 100 ms after the last kick the pattern's first pulse is lit.
  EXPECT_EQ(io.led, ErrorBlink(ErrorKind::kNoWifi).color);
  io.wifi = true;
  RunUntil(core, clock, 7700);
  // Back to idle, and the button press made while offline still captures.
  EXPECT_EQ(core.state(), State::kShow);
  EXPECT_EQ(io.captures, 1);
  EXPECT_EQ(core.last_answer().emotion, WireEmotion::kSurprise);
}

TEST(DeviceCore, UnreachableServerRetriesWithGrowingDelaysThenGivesUp) {
  FakeClock clock;
  FakeIo io(&clock);
  io.post_ms = 0;
  for (int i = 0; i < 8; ++i) io.Push(Unreachable());
  CoreOptions o = Quiet();
  o.max_retries = 4;
  DeviceCore core(o, &clock, &io);
  core.RequestCapture();
  RunUntil(core, clock, 60000, 1);
  EXPECT_EQ(io.posts, 4);
  EXPECT_EQ(core.state(), State::kIdle);
  EXPECT_EQ(core.failures(), 4u);
  // Gaps between uploads: 1000, 2000, 4000 (base 1000, factor 2).
  std::vector<std::uint32_t> upload_times;
  for (int i = 0; i < io.num_transitions; ++i)
    if (io.transitions[i].to == State::kUpload) upload_times.push_back(io.transitions[i].at_ms);
  ASSERT_EQ(upload_times.size(), 4u);
  for (std::size_t i = 1; i < upload_times.size(); ++i) {
    const std::uint32_t gap = upload_times[i] - upload_times[i - 1];
    const std::uint32_t want = 1000u << (i - 1);
    EXPECT_GE(gap, want) << i;
    EXPECT_LE(gap, want + 5) << i;
  }
  EXPECT_EQ(io.held, 0) << "every captured frame is released";
}

TEST(DeviceCore, SuccessResetsBackoff) {
  FakeClock clock;
  FakeIo io(&clock);
  io.post_ms = 0;
  io.Push(Unreachable());
  io.Push(Unreachable());
  io.Push(OkReply(WireEmotion::kFear, 700));
  DeviceCore core(Quiet(), &clock, &io);
  core.RequestCapture();
  RunUntil(core, clock, 10000, 1);
  EXPECT_EQ(core.state(), State::kShow);  // failed at 0 and ~1000, shown from ~3000
  EXPECT_EQ(core.last_answer().emotion, WireEmotion::kFear);
  EXPECT_EQ(core.upload_attempts(), 0u);
}

struct ErrorCase {
  const char* name;
  testing::Reply reply;
  State want;
};

TEST(DeviceCore, EachFailureLandsInItsErrorStateWithItsPattern) {
  const ErrorCase cases[] = {
      {"no face", TextReply(200, "v=1\nstatus=no_face\nerror=no face\n"), State::kNoFace},
      {"no face 422", TextReply(422, "v=1\nstatus=no_face\n"), State::kNoFace},
      {"503 error", TextReply(503, "v=1\nstatus=error\nerror=loading\n"), State::kServerError},
      {"500 non-protocol", TextReply(500, "<html>oops</html>"), State::kServerError},
      {"200 garbage", TextReply(200, "{\"class_of_emotion\":\"Happy\"}"), State::kServerError},
      {"ok but 404", TextReply(404, "v=1\nstatus=ok\nemotion=sad\nconfidence=1\n"),
       State::kRejected},
      {"401 protocol", TextReply(401, "v=1\nstatus=error\nerror=unauthorized\n"),
       State::kRejected},
      {"413 json", TextReply(413, "{\"error\":\"payload_too_large\"}"), State::kRejected},
      {"429 protocol", TextReply(429, "v=1\nstatus=error\nerror=rate_limited\n"),
       State::kServerError},
      {"unreachable", Unreachable(), State::kServerUnreachable},
  };
  for (const ErrorCase& c : cases) {
    FakeClock clock;
    FakeIo io(&clock);
    io.Push(c.reply);
    DeviceCore core(Quiet(), &clock, &io);
    core.RequestCapture();
    for (int i = 0; i < 3; ++i) core.Step();
    ASSERT_EQ(core.state(), c.want) << c.name << ": " << StateName(core.state());
    const BlinkPattern p = ErrorBlink(ErrorOf(c.want));
    EXPECT_EQ(io.led, p.color) << c.name << ": a pattern starts lit";
    EXPECT_EQ(core.results(), 1u) << c.name;
    EXPECT_EQ(core.failures(), 1u) << c.name;
  }
}

TEST(DeviceCore, OversizedAnswerIsAServerError) {
  FakeClock clock;
  FakeIo io(&clock);
  testing::Reply r = TextReply(200, "v=1\nstatus=no_face\n");
  r.len = sizeof(r.body);  // longer than the core's buffer
  io.Push(r);
  DeviceCore core(Quiet(), &clock, &io);
  core.RequestCapture();
  for (int i = 0; i < 3; ++i) core.Step();
  EXPECT_EQ(core.state(), State::kServerError);
}

TEST(DeviceCore, NoFaceWaitsThenIdlesWithoutRetry) {
  FakeClock clock;
  FakeIo io(&clock);
  io.Push(TextReply(200, "v=1\nstatus=no_face\n"));
  const CoreOptions o = Quiet();
  DeviceCore core(o, &clock, &io);
  core.RequestCapture();
  RunUntil(core, clock, o.no_face_ms + 500);
  EXPECT_EQ(core.state(), State::kIdle);
  EXPECT_EQ(io.posts, 1);
  EXPECT_EQ(io.led, (Rgb{}));
}

TEST(DeviceCore, CameraFailureIsReportedAndNothingIsSent) {
  FakeClock clock;
  FakeIo io(&clock);
  io.camera_ok = false;
  DeviceCore core(Quiet(), &clock, &io);
  core.RequestCapture();
  core.Step();
  core.Step();
  EXPECT_EQ(core.state(), State::kCameraError);
  EXPECT_EQ(io.posts, 0);
  EXPECT_EQ(io.releases, 0) << "a failed capture holds no frame";
}

TEST(DeviceCore, WifiLostBeforeUploadReleasesFrame) {
  FakeClock clock;
  FakeIo io(&clock);
  DeviceCore core(Quiet(), &clock, &io);
  core.RequestCapture();
  core.Step();  // -> capture
  core.Step();  // -> upload (frame held)
  io.wifi = false;
  core.Step();
  EXPECT_EQ(core.state(), State::kNoWifi);
  EXPECT_EQ(io.held, 0);
  EXPECT_EQ(io.posts, 0);
}

TEST(DeviceCore, MultipartEncodingReachesTheTransport) {
  FakeClock clock;
  FakeIo io(&clock);
  io.Push(OkReply(WireEmotion::kHappy, 900));
  CoreOptions o = Quiet();
  o.encoding = UploadEncoding::kMultipart;
  DeviceCore core(o, &clock, &io);
  core.RequestCapture();
  for (int i = 0; i < 3; ++i) core.Step();
  EXPECT_EQ(std::string(io.last_content_type).rfind("multipart/form-data; boundary=", 0), 0u);
  EXPECT_GT(io.last_content_length, sizeof(FakeIo::kJpeg) + 100);
  EXPECT_EQ(core.state(), State::kShow);
}

TEST(DeviceCore, ApiKeyIsSentAsBearerAuthorization) {
  FakeClock clock;
  FakeIo io(&clock);
  io.Push(OkReply(WireEmotion::kHappy, 900));
  CoreOptions o = Quiet();
  o.api_key = "k-0123456789";
  DeviceCore core(o, &clock, &io);
  core.RequestCapture();
  for (int i = 0; i < 3; ++i) core.Step();
  EXPECT_EQ(core.state(), State::kShow);
  EXPECT_STREQ(io.last_authorization, "Bearer k-0123456789");
}

TEST(DeviceCore, UnusableApiKeyIsRejectedWithoutSending) {
  FakeClock clock;
  FakeIo io(&clock);
  io.Push(OkReply(WireEmotion::kHappy, 900));
  CoreOptions o = Quiet();
  o.api_key = "key with\r\nInjected: header";
  DeviceCore core(o, &clock, &io);
  core.RequestCapture();
  RunUntil(core, clock, 100);
  EXPECT_EQ(core.state(), State::kRejected);
  EXPECT_EQ(io.posts, 0);
  EXPECT_EQ(io.held, 0) << "the frame is released";
  RunUntil(core, clock, 60000);
  EXPECT_EQ(io.posts, 0) << "a configuration error is not retried";
  EXPECT_EQ(core.state(), State::kIdle);
}

// The body of a refusal: the device protocol (what the service answers once issue 14's server
// side lands) or the JSON the service answered before; neither may be retried.
const char* const kRefusalBodies[] = {"v=1\nstatus=error\nerror=refused\n",
                                      "{\"error\":\"refused\"}"};

TEST(DeviceCore, PermanentRefusalsAreShownAndNotRetried) {
  for (const std::uint16_t http : {400, 401, 403, 404, 413, 415, 422}) {
    for (const char* body : kRefusalBodies) {
      SCOPED_TRACE(::testing::Message() << "http " << http << " body " << body);
      FakeClock clock;
      FakeIo io(&clock);
      io.post_ms = 0;
      for (int i = 0; i < 4; ++i) io.Push(TextReply(http, body));
      const CoreOptions o = Quiet();
      DeviceCore core(o, &clock, &io);
      core.RequestCapture();
      for (int i = 0; i < 3; ++i) core.Step();
      ASSERT_EQ(core.state(), State::kRejected) << StateName(core.state());
      EXPECT_EQ(io.led, ErrorBlink(ErrorKind::kRejected).color) << "shown: the pattern starts lit";
      RunUntil(core, clock, o.rejected_ms - 20);
      EXPECT_EQ(core.state(), State::kRejected) << "shown for rejected_ms";
      RunUntil(core, clock, 120000);
      EXPECT_EQ(io.posts, 1) << "never retried";
      EXPECT_EQ(core.state(), State::kIdle);
      EXPECT_EQ(core.failures(), 1u);
      EXPECT_EQ(core.upload_attempts(), 0u) << "the backoff starts fresh on the next trigger";
      // The next button press tries again (the user may have fixed the server).
      core.RequestCapture();
      RunUntil(core, clock, 120100);
      EXPECT_EQ(io.posts, 2);
    }
  }
}

TEST(DeviceCore, TransientFailuresAreRetried) {
  for (const std::uint16_t http : {408, 429, 500, 502, 503, 504}) {
    SCOPED_TRACE(::testing::Message() << "http " << http);
    FakeClock clock;
    FakeIo io(&clock);
    io.post_ms = 0;
    io.Push(TextReply(http, "v=1\nstatus=error\nerror=busy\n"));
    io.Push(OkReply(WireEmotion::kHappy, 900));
    DeviceCore core(Quiet(), &clock, &io);
    core.RequestCapture();
    for (int i = 0; i < 3; ++i) core.Step();
    ASSERT_EQ(core.state(), State::kServerError);
    RunUntil(core, clock, 1100, 1);  // backoff base 1000 ms, no jitter
    EXPECT_EQ(io.posts, 2);
    EXPECT_EQ(core.state(), State::kShow);
  }
}

// How long the core waits after a first upload answered `first` before it captures again
// (1 ms steps, so the figure is exact).
std::uint32_t RetryGapMs(const testing::Reply& first, const CoreOptions& o) {
  FakeClock clock;
  FakeIo io(&clock);
  io.post_ms = 0;
  io.Push(first);
  io.Push(OkReply(WireEmotion::kHappy, 900));
  DeviceCore core(o, &clock, &io);
  core.RequestCapture();
  RunUntil(core, clock, 400000, 1);
  for (int i = 0; i < io.num_transitions; ++i) {
    if (io.transitions[i].to != State::kServerError) continue;
    for (int j = i + 1; j < io.num_transitions; ++j)
      if (io.transitions[j].to == State::kCapture)
        return io.transitions[j].at_ms - io.transitions[i].at_ms;
  }
  return 0;
}

TEST(DeviceCore, RetryAfterIsHonouredOn429And503) {
  const CoreOptions o = Quiet();  // backoff: 1000 ms before the first retry
  const testing::Reply busy = TextReply(503, "v=1\nstatus=error\nerror=not_ready\n");
  const testing::Reply limited = TextReply(429, "v=1\nstatus=error\nerror=rate_limited\n");
  EXPECT_EQ(RetryGapMs(busy, o), 1000u) << "no Retry-After: the backoff";
  EXPECT_EQ(RetryGapMs(testing::WithRetryAfter(busy, "7"), o), 7000u);
  EXPECT_EQ(RetryGapMs(testing::WithRetryAfter(limited, "30"), o), 30000u);
  EXPECT_EQ(RetryGapMs(testing::WithRetryAfter(limited, " 12 "), o), 12000u);
  // Shorter than the backoff: the backoff wins (Retry-After is a minimum).
  EXPECT_EQ(RetryGapMs(testing::WithRetryAfter(limited, "0"), o), 1000u);
  // Unparseable (an HTTP-date: the device has no wall clock) or cut: the backoff.
  EXPECT_EQ(RetryGapMs(testing::WithRetryAfter(busy, "Wed, 21 Oct 2015 07:28:00 GMT"), o), 1000u);
  // Bounded: a huge value waits max_retry_after_ms, not hours.
  CoreOptions capped = o;
  capped.max_retry_after_ms = 20000;
  EXPECT_EQ(RetryGapMs(testing::WithRetryAfter(limited, "86400"), capped), 20000u);
  EXPECT_EQ(RetryGapMs(testing::WithRetryAfter(limited, "999999999999999"), capped), 20000u);
  // Other statuses ignore it.
  const testing::Reply internal = TextReply(500, "v=1\nstatus=error\nerror=internal\n");
  EXPECT_EQ(RetryGapMs(testing::WithRetryAfter(internal, "7"), o), 1000u);
}

TEST(DeviceCore, RefusalDetailNamesStatusAndReason) {
  FakeClock clock;
  FakeIo io(&clock);
  io.Push(TextReply(401, "v=1\nstatus=error\nerror=the API key is not valid\n"));
  DeviceCore core(Quiet(), &clock, &io);
  core.RequestCapture();
  for (int i = 0; i < 3; ++i) core.Step();
  ASSERT_EQ(core.state(), State::kRejected);
  ASSERT_GT(io.num_transitions, 0);
  EXPECT_STREQ(io.last_detail, "http 401, the API key is not valid");
}

TEST(DeviceCore, LedIsWrittenOnlyOnChange) {
  FakeClock clock;
  FakeIo io(&clock);
  DeviceCore core(Quiet(), &clock, &io);
  RunUntil(core, clock, 5000);
  EXPECT_EQ(io.led_writes, 1) << "idle and dark: one initial write";
}

}  // namespace
}  // namespace moodtune::device
