// The on-device emotion path of the firmware core (on_device.h, DeviceCore's on-device mode):
// the centre crop's arithmetic on hand-computed images, and the state machine with a tiny
// hand-made int8 net whose answer depends on the frame's brightness (the shipped net against
// OpenCV: int8_net_test.cc).
#include "moodtune_core/on_device.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "fake_device.h"
#include "moodtune_core/device_core.h"

namespace moodtune::device {
namespace {

using testing::FakeClock;
using testing::FakeIo;
using testing::OkReply;
using testing::RunUntil;
using testing::TextReply;

GrayImage Image(const std::vector<std::uint8_t>& px, int w, int h) {
  return GrayImage{px.data(), static_cast<std::uint16_t>(w), static_cast<std::uint16_t>(h),
                   static_cast<std::uint32_t>(w)};
}

TEST(CentreCrop, SideIsTheFractionOfTheShorterSide) {
  std::vector<std::uint8_t> px(640 * 480);
  EXPECT_EQ(CentreSquareSide(Image(px, 640, 480), 1000), 480);
  EXPECT_EQ(CentreSquareSide(Image(px, 640, 480), 500), 240);
  EXPECT_EQ(CentreSquareSide(Image(px, 640, 480), 1), 1) << "at least one pixel";
  EXPECT_EQ(CentreSquareSide(Image(px, 640, 480), 0), 0);
  EXPECT_EQ(CentreSquareSide(Image(px, 640, 480), 1001), 0);
  EXPECT_EQ(CentreSquareSide(Image(px, 0, 480), 1000), 0);
}

TEST(CentreCrop, ShrinksByExactAreaWeights) {
  // 3x3 -> 2x2: each output pixel covers 1.5 x 1.5 source pixels, weights 2:1 (x) x 2:1 (y)
  // in units of 1/3; out(0,0) = (4 a + 2 b + 2 d + e) / 9.
  const std::vector<std::uint8_t> px = {90, 0, 0,  //
                                        0,  9, 0,  //
                                        0,  0, 45};
  std::uint8_t out[4] = {};
  ASSERT_TRUE(CentreCropGray(Image(px, 3, 3), 1000, out, 2));
  EXPECT_EQ(out[0], 41) << "(4 x 90 + 9) / 9 = 41";
  EXPECT_EQ(out[1], 1) << "9 / 9";
  EXPECT_EQ(out[2], 1);
  EXPECT_EQ(out[3], 21) << "(9 + 4 x 45) / 9 = 21";
}

TEST(CentreCrop, TakesTheCentreSquareAndHonoursTheStride) {
  // 6 wide, 4 high, stride 8: the centre square is columns 1..4; 2x shrink = 2x2 box means.
  std::vector<std::uint8_t> px(8 * 4, 255);  // padding and the outer columns are 255
  for (int y = 0; y < 4; ++y)
    for (int x = 1; x <= 4; ++x) px[y * 8 + x] = static_cast<std::uint8_t>(10 * (y / 2 * 2 + (x - 1) / 2));
  const GrayImage img{px.data(), 6, 4, 8};
  std::uint8_t out[4] = {};
  ASSERT_TRUE(CentreCropGray(img, 1000, out, 2));
  EXPECT_EQ(out[0], 0);
  EXPECT_EQ(out[1], 10);
  EXPECT_EQ(out[2], 20);
  EXPECT_EQ(out[3], 30);
  // Half the shorter side: a 2x2 square at (2, 1) -> 1x1, the mean of 4 pixels, rounded.
  px[1 * 8 + 2] = 1, px[1 * 8 + 3] = 2, px[2 * 8 + 2] = 3, px[2 * 8 + 3] = 4;
  std::uint8_t one = 0;
  ASSERT_TRUE(CentreCropGray(img, 500, &one, 1));
  EXPECT_EQ(one, 3) << "10 / 4 = 2.5 rounds up";
}

TEST(CentreCrop, RefusesBadInputWithoutTouchingTheOutput) {
  std::vector<std::uint8_t> px(16, 7);
  std::uint8_t out[4] = {1, 1, 1, 1};
  EXPECT_FALSE(CentreCropGray(Image(px, 4, 4), 0, out, 2));
  EXPECT_FALSE(CentreCropGray(Image(px, 4, 4), 1001, out, 2));
  EXPECT_FALSE(CentreCropGray(GrayImage{px.data(), 4, 4, 3}, 1000, out, 2)) << "stride < width";
  EXPECT_FALSE(CentreCropGray(GrayImage{nullptr, 4, 4, 4}, 1000, out, 2));
  EXPECT_FALSE(CentreCropGray(Image(px, 4, 4), 1000, nullptr, 2));
  EXPECT_FALSE(CentreCropGray(Image(px, 4, 4), 1000, out, 0));
  EXPECT_EQ(out[0], 1);
  ASSERT_TRUE(CentreCropGray(Image(px, 4, 4), 1000, out, 2));
  EXPECT_EQ(out[0], 7);
}

using testing::BrightnessNet;

struct Rig {
  BrightnessNet bn;
  std::vector<std::uint8_t> arena = std::vector<std::uint8_t>(OnDeviceArenaBytes(bn.net));
  std::vector<std::uint8_t> frame = std::vector<std::uint8_t>(16 * 12, 230);  // bright
  FakeClock clock;
  FakeIo io{&clock};
  CoreOptions Options(bool upload = true) {
    CoreOptions o;
    o.on_device_net = &bn.net;
    o.on_device_arena = arena.data();
    o.on_device_arena_len = arena.size();
    o.upload = upload;
    io.gray = GrayImage{frame.data(), 16, 12, 16};
    return o;
  }
};

std::string Details(const FakeIo& io) { return io.last_detail; }

TEST(OnDevice, TheBrightnessNetReadsAsDesigned) {
  BrightnessNet bn;
  std::vector<std::uint8_t> arena(OnDeviceArenaBytes(bn.net));
  ASSERT_GT(arena.size(), 16u);
  std::vector<std::uint8_t> bright(64, 230), dark(64, 40);
  std::int32_t logits[7];
  EXPECT_EQ(ReadEmotionOnDevice(bn.net, Image(bright, 8, 8), 1000, arena.data(), arena.size(), logits),
            static_cast<int>(WireEmotion::kHappy));
  EXPECT_EQ(ReadEmotionOnDevice(bn.net, Image(dark, 8, 8), 1000, arena.data(), arena.size(), logits),
            static_cast<int>(WireEmotion::kNeutral));
  EXPECT_EQ(ReadEmotionOnDevice(bn.net, Image(dark, 8, 8), 1000, arena.data(), arena.size() - 1, logits), -1)
      << "arena too small";
  EXPECT_EQ(ReadEmotionOnDevice(bn.net, Image(dark, 8, 8), 0, arena.data(), arena.size(), logits), -1)
      << "bad fraction";
}

TEST(OnDevice, LedTakesTheDevicesEmotionAtCaptureAndTheUploadOnlyBringsMusic) {
  Rig r;
  r.io.Push(OkReply(WireEmotion::kSad, 700));  // the service disagrees: the LED stays happy
  const CoreOptions o = r.Options();
  DeviceCore core(o, &r.clock, &r.io);
  core.RequestCapture();
  core.Step();  // -> capture
  core.Step();  // capture: read on the device, -> upload
  ASSERT_EQ(core.state(), State::kUpload);
  EXPECT_EQ(Details(r.io), "on-device happy");
  EXPECT_EQ(core.on_device_emotion(), WireEmotion::kHappy);
  const Rgb happy = EmotionColor(WireEmotion::kHappy);
  EXPECT_EQ(core.result_color(), happy) << "the LED's target is set before the upload";
  EXPECT_EQ(r.io.posts, 0);
  core.Step();  // upload -> show
  ASSERT_EQ(core.state(), State::kShow);
  EXPECT_EQ(r.io.posts, 1);
  EXPECT_EQ(r.io.held, 0);
  EXPECT_EQ(Details(r.io), "on-device happy; music for service sad");
  EXPECT_STREQ(core.last_answer().title, "Track for sad");
  RunUntil(core, r.clock, r.clock.now + o.fade_ms);
  EXPECT_EQ(r.io.led, happy);
  EXPECT_EQ(core.results(), 1u);
  EXPECT_EQ(core.failures(), 0u);
}

TEST(OnDevice, WithoutUploadNoWifiIsNeededAndNothingIsSent) {
  Rig r;
  r.io.wifi = false;
  std::memset(r.frame.data(), 20, r.frame.size());  // dark: neutral
  const CoreOptions o = r.Options(/*upload=*/false);
  DeviceCore core(o, &r.clock, &r.io);
  RunUntil(core, r.clock, 200);
  EXPECT_EQ(core.state(), State::kIdle) << "no Wi-Fi state when nothing is uploaded";
  core.RequestCapture();
  RunUntil(core, r.clock, r.clock.now + o.fade_ms + 20);
  ASSERT_EQ(core.state(), State::kShow);
  EXPECT_EQ(r.io.posts, 0);
  EXPECT_EQ(r.io.reconnects, 0);
  EXPECT_EQ(r.io.held, 0);
  EXPECT_EQ(core.on_device_emotion(), WireEmotion::kNeutral);
  EXPECT_EQ(r.io.led, EmotionColor(WireEmotion::kNeutral));
  EXPECT_NE(core.last_answer().status, AnswerStatus::kOk) << "no music";
}

TEST(OnDevice, PhotosNeedNoWifiAndAFailedUploadNeitherBlinksNorRetries) {
  Rig r;
  r.io.wifi = false;
  const CoreOptions o = r.Options();
  DeviceCore core(o, &r.clock, &r.io);
  RunUntil(core, r.clock, 100);
  EXPECT_EQ(core.state(), State::kNoWifi);
  core.RequestCapture();  // Wi-Fi down: the device still reads the photo
  RunUntil(core, r.clock, r.clock.now + 30);
  EXPECT_EQ(core.state(), State::kShow);
  EXPECT_EQ(r.io.posts, 0);
  EXPECT_EQ(core.result_color(), EmotionColor(WireEmotion::kHappy));
  // Wi-Fi back, the service fails: the LED keeps the emotion, no retry, the log says why.
  r.io.wifi = true;
  r.io.Push(TextReply(503, "v=1\nstatus=error\nerror=not_ready\n"));
  core.RequestCapture();
  RunUntil(core, r.clock, r.clock.now + 30);
  ASSERT_EQ(core.state(), State::kShow);
  EXPECT_EQ(r.io.posts, 1);
  EXPECT_EQ(Details(r.io), "on-device happy; no music: http 503, not_ready");
  RunUntil(core, r.clock, r.clock.now + o.fade_ms);
  EXPECT_EQ(r.io.led, EmotionColor(WireEmotion::kHappy));
  RunUntil(core, r.clock, r.clock.now + 20000);
  EXPECT_EQ(r.io.posts, 1) << "no retry";
  EXPECT_EQ(r.io.captures, 2);
}

TEST(OnDevice, ADecodeFailureIsACameraErrorAndReleasesTheFrame) {
  Rig r;
  CoreOptions o = r.Options();
  r.io.gray = GrayImage{};  // the adapter cannot decode
  DeviceCore core(o, &r.clock, &r.io);
  core.RequestCapture();
  RunUntil(core, r.clock, 30);
  EXPECT_EQ(core.state(), State::kCameraError);
  EXPECT_EQ(Details(r.io), "decode failed");
  EXPECT_EQ(r.io.held, 0);
  EXPECT_EQ(r.io.posts, 0);
  // A net that is not a 7-class net is refused the same way, never overrunning the logits.
  Rig r2;
  CoreOptions o2 = r2.Options();
  r2.bn.net.dense.cout = 6;
  DeviceCore core2(o2, &r2.clock, &r2.io);
  core2.RequestCapture();
  RunUntil(core2, r2.clock, 30);
  EXPECT_EQ(core2.state(), State::kCameraError);
  EXPECT_EQ(Details(r2.io), "on-device read failed");
}

}  // namespace
}  // namespace moodtune::device
