// Counts every heap allocation the firmware core makes on the host, and asserts there are
// none: not while the core is set up, and not through full capture -> upload -> show -> error
// cycles after that. This binary replaces the global operator new/delete (every form) and
// malloc/calloc/realloc/free/aligned_alloc/memalign/posix_memalign (forwarded to glibc's
// __libc_* entry points), so an allocation by any route, including one inside the C library
// on the core's behalf, is seen. The fakes (fake_device.h) use fixed arrays only.
// Under a sanitizer (which owns malloc) only operator new is replaced; the malloc check then
// skips, and fails under CI=true (tests/common/skip.h).
// Thread-safety: the counters are plain globals; the test runs on one thread.
#include <gtest/gtest.h>

#include <errno.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <vector>

#include "common/skip.h"
#include "fake_device.h"
#include "moodtune_core/device_core.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define MOODTUNE_HEAP_TEST_HOOKS_MALLOC 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
#define MOODTUNE_HEAP_TEST_HOOKS_MALLOC 0
#endif
#endif
#ifndef MOODTUNE_HEAP_TEST_HOOKS_MALLOC
#define MOODTUNE_HEAP_TEST_HOOKS_MALLOC 1
#endif

namespace {

bool g_counting = false;
std::size_t g_allocs = 0;  // allocation calls while counting
std::size_t g_bytes = 0;   // bytes asked for while counting

void Note(std::size_t n) {
  if (!g_counting) return;
  ++g_allocs;
  g_bytes += n;
}

}  // namespace

#if MOODTUNE_HEAP_TEST_HOOKS_MALLOC
extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* __libc_memalign(std::size_t, std::size_t);
void __libc_free(void*);

void* malloc(std::size_t n) {
  Note(n);
  return __libc_malloc(n);
}
void* calloc(std::size_t count, std::size_t size) {
  Note(count * size);
  return __libc_calloc(count, size);
}
void* realloc(void* p, std::size_t n) {
  Note(n);
  return __libc_realloc(p, n);
}
void* aligned_alloc(std::size_t alignment, std::size_t n) {
  Note(n);
  return __libc_memalign(alignment, n);
}
void* memalign(std::size_t alignment, std::size_t n) {
  Note(n);
  return __libc_memalign(alignment, n);
}
int posix_memalign(void** out, std::size_t alignment, std::size_t n) {
  Note(n);
  void* p = __libc_memalign(alignment, n);
  if (p == nullptr) return ENOMEM;
  *out = p;
  return 0;
}
void free(void* p) { __libc_free(p); }
}  // extern "C"
#endif

namespace {

// operator new below counts itself and then allocates without counting again.
void* RawAlloc(std::size_t n, std::size_t alignment) {
  const bool was = g_counting;
  g_counting = false;
  void* p = nullptr;
  if (alignment <= alignof(std::max_align_t)) {
    p = std::malloc(n == 0 ? 1 : n);
  } else if (posix_memalign(&p, alignment, n == 0 ? 1 : n) != 0) {
    p = nullptr;
  }
  g_counting = was;
  return p;
}

void* CountedNew(std::size_t n, std::size_t alignment = alignof(std::max_align_t)) {
  Note(n);
  void* p = RawAlloc(n, alignment);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

void* CountedNewNothrow(std::size_t n, std::size_t alignment = alignof(std::max_align_t)) noexcept {
  Note(n);
  return RawAlloc(n, alignment);
}

}  // namespace

void* operator new(std::size_t n) { return CountedNew(n); }
void* operator new[](std::size_t n) { return CountedNew(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return CountedNewNothrow(n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return CountedNewNothrow(n); }
void* operator new(std::size_t n, std::align_val_t a) {
  return CountedNew(n, static_cast<std::size_t>(a));
}
void* operator new[](std::size_t n, std::align_val_t a) {
  return CountedNew(n, static_cast<std::size_t>(a));
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

namespace moodtune::device {
namespace {

// Calls through volatile pointers so the compiler cannot elide the allocations the control
// tests make.
void* (*volatile g_malloc)(std::size_t) = std::malloc;
void* (*volatile g_new)(std::size_t) = ::operator new;

struct Counted {
  std::size_t allocs;
  std::size_t bytes;
};

template <typename F>
Counted Count(F&& f) {
  g_allocs = 0;
  g_bytes = 0;
  g_counting = true;
  f();
  g_counting = false;
  return {g_allocs, g_bytes};
}

TEST(DeviceHeap, CounterSeesOperatorNew) {
  void* p = nullptr;
  const Counted c = Count([&] { p = g_new(100); });
  ::operator delete(p);
  EXPECT_EQ(c.allocs, 1u);
  EXPECT_EQ(c.bytes, 100u);
  std::unique_ptr<std::vector<char>> v;
  const Counted c2 = Count([&] { v = std::make_unique<std::vector<char>>(5000); });
  EXPECT_EQ(c2.allocs, 2u) << "the vector object and its buffer";
  EXPECT_GE(c2.bytes, 5000u);
}

TEST(DeviceHeap, CounterSeesMallocAndTheCLibrary) {
  if (!MOODTUNE_HEAP_TEST_HOOKS_MALLOC) MOODTUNE_SKIP_OR_FAIL("malloc belongs to the sanitizer");
  void* p = nullptr;
  char* s = nullptr;
  const Counted c = Count([&] {
    p = g_malloc(64);
    s = strdup("allocated inside glibc");  // glibc's own malloc call is seen too
  });
  std::free(p);
  std::free(s);
  EXPECT_EQ(c.allocs, 2u);
  EXPECT_GE(c.bytes, 64u + 23u);
}

// Steps the core through every kind of outcome: ok answers (raw and multipart, with and without
// rgb), unreachable, 503 with Retry-After, 429, a 401 refusal, no face, a body that does not
// parse, an oversized answer, Wi-Fi lost mid-cycle, a camera failure; with a device id and an
// API key set. Returns how many upload outcomes it saw.
std::uint32_t RunEveryOutcome(DeviceCore& core, testing::FakeClock& clock, testing::FakeIo& io) {
  testing::RunUntil(core, clock, 40000);
  core.RequestCapture();
  io.wifi = false;
  testing::RunUntil(core, clock, 44000);
  io.wifi = true;
  testing::RunUntil(core, clock, 80000);
  io.camera_ok = false;
  core.RequestCapture();
  testing::RunUntil(core, clock, 84000);
  io.camera_ok = true;
  testing::RunUntil(core, clock, 140000);
  return core.results();
}

TEST(DeviceHeap, CoreAllocatesNothingAtStartUpOrThroughFullCycles) {
  // The JPEG lives in the camera driver's frame buffer on the device: set up before counting.
  std::vector<std::uint8_t> jpeg(40 * 1024, 0x55);
  jpeg[0] = 0xFF;
  jpeg[1] = 0xD8;
  testing::FakeClock clock;
  auto io = std::make_unique<testing::FakeIo>(&clock, jpeg.data(), jpeg.size());
  io->Push(testing::OkReply(WireEmotion::kHappy, 930, true, Rgb{255, 200, 0}));
  io->Push(testing::Unreachable());
  io->Push(testing::WithRetryAfter(testing::TextReply(503, "v=1\nstatus=error\nerror=busy\n"), "2"));
  io->Push(testing::TextReply(429, "v=1\nstatus=error\nerror=rate_limited\n"));
  io->Push(testing::OkReply(WireEmotion::kSad, 500));
  io->Push(testing::TextReply(401, "v=1\nstatus=error\nerror=unauthorized\n"));
  io->Push(testing::TextReply(200, "v=1\nstatus=no_face\n"));
  io->Push(testing::TextReply(200, "garbage"));
  testing::Reply huge = testing::TextReply(200, "v=1\nstatus=no_face\n");
  huge.len = sizeof(huge.body);
  io->Push(huge);
  for (int i = 0; i < 8; ++i) io->Push(testing::OkReply(WireEmotion::kAngry, 1000));
  CoreOptions o;
  o.interval_ms = 4000;
  o.encoding = UploadEncoding::kMultipart;
  o.upload_backoff = BackoffOptions{500, 2000, 2, 25};
  o.device_id = "heap-test";
  o.api_key = "heap-test-key";

  // Start-up: the firmware places the core statically; here it is built while counting, in
  // place (std::optional-like storage, so building it allocates nothing of the test's own).
  alignas(DeviceCore) static unsigned char storage[sizeof(DeviceCore)];
  DeviceCore* core = nullptr;
  const Counted startup = Count([&] { core = new (storage) DeviceCore(o, &clock, io.get()); });
  std::uint32_t results = 0;
  const Counted cycles = Count([&] { results = RunEveryOutcome(*core, clock, *io); });
  const std::uint32_t failures = core->failures();
  core->~DeviceCore();

  EXPECT_GE(results, 14u) << "the run must go through many cycles";
  EXPECT_GE(failures, 7u) << "and through the error paths";
  // Every state was visited while counting, so every path of the core was measured.
  for (const State want : {State::kCapture, State::kUpload, State::kShow, State::kNoWifi,
                           State::kServerUnreachable, State::kNoFace, State::kServerError,
                           State::kCameraError, State::kRejected}) {
    bool seen = false;
    for (int i = 0; i < io->num_transitions; ++i) seen = seen || io->transitions[i].to == want;
    EXPECT_TRUE(seen) << StateName(want);
  }
  EXPECT_STREQ(io->last_authorization, "Bearer heap-test-key");
  EXPECT_EQ(io->held, 0);
  EXPECT_EQ(startup.allocs, 0u) << startup.bytes << " bytes at start-up";
  EXPECT_EQ(cycles.allocs, 0u) << cycles.bytes << " bytes in " << results << " cycles";
  RecordProperty("core_heap_allocations_startup", static_cast<int>(startup.allocs));
  RecordProperty("core_heap_allocations_cycles", static_cast<int>(cycles.allocs));
  RecordProperty("core_cycles", static_cast<int>(results));
}

TEST(DeviceHeap, OnDeviceModeAllocatesNothingEither) {
  // The firmware's arena and decoded frame are set up before the core runs.
  testing::BrightnessNet bn;
  std::vector<std::uint8_t> arena(OnDeviceArenaBytes(bn.net));
  std::vector<std::uint8_t> gray(320 * 240, 200);
  testing::FakeClock clock;
  auto io = std::make_unique<testing::FakeIo>(&clock);
  io->gray = GrayImage{gray.data(), 320, 240, 320};
  io->Push(testing::OkReply(WireEmotion::kSad, 700));
  io->Push(testing::Unreachable());
  io->Push(testing::TextReply(503, "v=1\nstatus=error\nerror=busy\n"));
  io->Push(testing::TextReply(200, "garbage"));
  for (int i = 0; i < 8; ++i) io->Push(testing::OkReply(WireEmotion::kAngry, 1000));
  CoreOptions o;
  o.interval_ms = 4000;
  o.on_device_net = &bn.net;
  o.on_device_arena = arena.data();
  o.on_device_arena_len = arena.size();
  alignas(DeviceCore) static unsigned char storage[sizeof(DeviceCore)];
  DeviceCore* core = nullptr;
  const Counted startup = Count([&] { core = new (storage) DeviceCore(o, &clock, io.get()); });
  std::uint32_t results = 0;
  const Counted cycles = Count([&] { results = RunEveryOutcome(*core, clock, *io); });
  const WireEmotion read = core->on_device_emotion();
  core->~DeviceCore();
  EXPECT_GE(results, 14u);
  EXPECT_EQ(read, WireEmotion::kHappy) << "the net ran";
  EXPECT_GE(io->decodes, 14);
  EXPECT_EQ(io->held, 0);
  EXPECT_EQ(startup.allocs, 0u) << startup.bytes << " bytes at start-up";
  EXPECT_EQ(cycles.allocs, 0u) << cycles.bytes << " bytes in " << results << " cycles";
}

}  // namespace
}  // namespace moodtune::device
