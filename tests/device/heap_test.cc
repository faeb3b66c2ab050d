// Measures the firmware core's peak heap use on the host: this binary replaces the global
// operator new/delete with counting versions. The JPEG (the camera's frame buffer) is
// allocated before the measurement starts; the budget is 32 KB beside it.
#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <new>
#include <vector>

#include "fake_device.h"
#include "moodtune_core/device_core.h"

namespace {

std::size_t g_current = 0;
std::size_t g_peak = 0;

// Every block carries its size in a max-aligned header.
constexpr std::size_t kHeader = alignof(std::max_align_t);

void* CountedAlloc(std::size_t n) {
  void* p = std::malloc(n + kHeader);
  if (p == nullptr) throw std::bad_alloc();
  *static_cast<std::size_t*>(p) = n;
  g_current += n;
  if (g_current > g_peak) g_peak = g_current;
  return static_cast<char*>(p) + kHeader;
}

void CountedFree(void* p) noexcept {
  if (p == nullptr) return;
  void* base = static_cast<char*>(p) - kHeader;
  g_current -= *static_cast<std::size_t*>(base);
  std::free(base);
}

}  // namespace

void* operator new(std::size_t n) { return CountedAlloc(n); }
void* operator new[](std::size_t n) { return CountedAlloc(n); }
void operator delete(void* p) noexcept { CountedFree(p); }
void operator delete[](void* p) noexcept { CountedFree(p); }
void operator delete(void* p, std::size_t) noexcept { CountedFree(p); }
void operator delete[](void* p, std::size_t) noexcept { CountedFree(p); }

namespace moodtune::device {
namespace {

constexpr std::size_t kBudget = 32 * 1024;

TEST(DeviceHeap, CounterSeesAllocations) {
  const std::size_t before = g_current;
  auto big = std::make_unique<std::vector<char>>(kBudget + 1);
  EXPECT_GE(g_current - before, kBudget + 1);
  big.reset();
  EXPECT_EQ(g_current, before);
}

TEST(DeviceHeap, CorePeakHeapStaysWithinBudgetBesideTheJpeg) {
  // A VGA-sized JPEG lives in the camera driver's buffer on the device: outside the budget.
  std::vector<std::uint8_t> jpeg(40 * 1024, 0x55);
  jpeg[0] = 0xFF;
  jpeg[1] = 0xD8;
  testing::FakeClock clock;
  testing::FakeIo io(&clock, jpeg.data(), jpeg.size());
  io.Push(testing::OkReply(WireEmotion::kHappy, 930, true, Rgb{255, 200, 0}));
  io.Push(testing::Unreachable());
  io.Push(testing::TextReply(503, "v=1\nstatus=error\nerror=busy\n"));
  io.Push(testing::OkReply(WireEmotion::kSad, 500));
  io.Push(testing::TextReply(200, "v=1\nstatus=no_face\n"));
  io.Push(testing::TextReply(200, "garbage"));
  for (int i = 0; i < 6; ++i) io.Push(testing::OkReply(WireEmotion::kAngry, 1000));
  CoreOptions o;
  o.interval_ms = 4000;
  o.encoding = UploadEncoding::kMultipart;
  o.upload_backoff = BackoffOptions{500, 2000, 2, 25};
  o.device_id = "heap-test";

  const std::size_t base = g_current;
  g_peak = g_current;
  // The core itself is heap-allocated here so its size counts too.
  auto core = std::make_unique<DeviceCore>(o, &clock, &io);
  testing::RunUntil(*core, clock, 30000);
  core->RequestCapture();
  io.wifi = false;
  testing::RunUntil(*core, clock, 34000);
  io.wifi = true;
  testing::RunUntil(*core, clock, 60000);
  const std::uint32_t results = core->results();
  core.reset();
  const std::size_t peak = g_peak - base;
  const std::size_t leaked = g_current - base;

  EXPECT_GE(results, 8u) << "the run must exercise many cycles";
  EXPECT_GE(peak, sizeof(DeviceCore)) << "the measurement must see the core";
  EXPECT_LE(peak, kBudget) << "peak heap " << peak << " B";
  EXPECT_EQ(leaked, 0u);
  RecordProperty("core_peak_heap_bytes", static_cast<int>(peak));
}

}  // namespace
}  // namespace moodtune::device
