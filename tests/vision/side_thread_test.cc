#include "side_thread.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>

namespace moodtune {
namespace {

TEST(SideThreadTest, RunsAJobAndWaitReturnsWhenItIsDone) {
  SideThread side;
  std::atomic<int> ran{0};
  const auto ticket = side.TryStart([&] { ran = 1; });
  ASSERT_NE(ticket, 0u);
  side.Wait(ticket);
  EXPECT_EQ(ran.load(), 1);
}

TEST(SideThreadTest, IsBusyWhileAJobRunsAndFreeAfterwards) {
  SideThread side;
  std::promise<void> release;
  std::shared_future<void> gate = release.get_future().share();
  const auto first = side.TryStart([gate] { gate.wait(); });
  ASSERT_NE(first, 0u);
  EXPECT_EQ(side.TryStart([] {}), 0u) << "a second job must not queue behind the first";
  release.set_value();
  side.Wait(first);
  const auto second = side.TryStart([] {});
  EXPECT_GT(second, first);
  side.Wait(second);
}

TEST(SideThreadTest, DestructorFinishesAStartedJob) {
  std::atomic<int> ran{0};
  {
    SideThread side;
    ASSERT_NE(side.TryStart([&] { ran = 1; }), 0u);
  }
  EXPECT_EQ(ran.load(), 1);
}

}  // namespace
}  // namespace moodtune
