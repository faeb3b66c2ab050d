#include "moodtune/music/write_behind.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <string>
#include <vector>

namespace moodtune::music {
namespace {

using namespace std::chrono_literals;

// An in-memory store whose writes can be held at a gate; the test keeps `state`.
struct FakeState {
  std::mutex mu;
  std::condition_variable cv;
  bool gate_open = true;
  Status write_status;
  std::vector<std::pair<std::string, std::vector<std::int64_t>>> writes;  // in write order
  void Open() {
    std::lock_guard<std::mutex> lock(mu);
    gate_open = true;
    cv.notify_all();
  }
};

class FakeStore final : public HistoryStore {
 public:
  explicit FakeStore(std::shared_ptr<FakeState> s) : s_(std::move(s)) {}
  Status RecordPlays(std::string_view listener, std::span<const std::int64_t> ids,
                     std::int64_t) override {
    std::unique_lock<std::mutex> lock(s_->mu);
    s_->cv.wait(lock, [&] { return s_->gate_open; });
    if (!s_->write_status.ok()) return s_->write_status;
    s_->writes.emplace_back(std::string(listener), std::vector<std::int64_t>(ids.begin(), ids.end()));
    return Status::Ok();
  }
  Result<std::vector<std::int64_t>> RecentPlays(std::string_view listener, int limit) override {
    std::lock_guard<std::mutex> lock(s_->mu);
    std::vector<std::int64_t> out;
    for (auto it = s_->writes.rbegin(); it != s_->writes.rend(); ++it)
      if (it->first == listener)
        for (auto id = it->second.rbegin(); id != it->second.rend(); ++id) out.push_back(*id);
    if (static_cast<int>(out.size()) > limit) out.resize(limit);
    return out;
  }
  Status RecordFeedback(std::string_view, std::int64_t track_id, FeedbackKind, std::int64_t,
                        std::string_view) override {
    return track_id == 404 ? Status::NotFound("no track 404") : Status::Ok();
  }
  Result<std::vector<FeedbackEvent>> Feedback(std::string_view) override {
    return std::vector<FeedbackEvent>{};
  }
  std::string Describe() const override { return "fake"; }

 private:
  std::shared_ptr<FakeState> s_;
};

std::vector<std::int64_t> Ids(std::initializer_list<std::int64_t> l) { return l; }

TEST(WriteBehindTest, PlaysAreWrittenInOrderAndTheListenerReadsThem) {
  auto state = std::make_shared<FakeState>();
  auto store = NewWriteBehindHistoryStore(std::make_unique<FakeStore>(state));
  ASSERT_TRUE(store->RecordPlays("ann", Ids({1, 2}), 10).ok());
  ASSERT_TRUE(store->RecordPlays("bob", Ids({7}), 11).ok());
  ASSERT_TRUE(store->RecordPlays("ann", Ids({3}), 12).ok());
  auto recent = store->RecentPlays("ann", 10);  // waits for ann's queued plays
  ASSERT_TRUE(recent.ok());
  EXPECT_EQ(*recent, Ids({3, 2, 1}));
  FlushWriteBehind(*store);
  std::lock_guard<std::mutex> lock(state->mu);
  ASSERT_EQ(state->writes.size(), 3u);
  EXPECT_EQ(state->writes[0].first, "ann");
  EXPECT_EQ(state->writes[1].first, "bob");
  EXPECT_EQ(state->writes[2].second, Ids({3}));
}

TEST(WriteBehindTest, RecordingDoesNotWaitForTheDatabaseButTheListenersNextReadDoes) {
  auto state = std::make_shared<FakeState>();
  state->gate_open = false;  // every write blocks until Open()
  auto store = NewWriteBehindHistoryStore(std::make_unique<FakeStore>(state));
  ASSERT_TRUE(store->RecordPlays("ann", Ids({1}), 10).ok());  // returns with the write held
  EXPECT_TRUE(store->RecentPlays("bob", 5).ok());             // other listeners do not wait
  auto read = std::async(std::launch::async, [&] { return store->RecentPlays("ann", 5); });
  EXPECT_EQ(read.wait_for(100ms), std::future_status::timeout) << "ann's read must wait";
  state->Open();
  auto recent = read.get();
  ASSERT_TRUE(recent.ok());
  EXPECT_EQ(*recent, Ids({1}));
}

TEST(WriteBehindTest, AFullQueueMakesCallersWaitInsteadOfDropping) {
  auto state = std::make_shared<FakeState>();
  state->gate_open = false;
  WriteBehindOptions o;
  o.max_pending = 1;
  auto store = NewWriteBehindHistoryStore(std::make_unique<FakeStore>(state), o);
  std::vector<std::future<Status>> calls;
  for (std::int64_t i = 1; i <= 3; ++i)
    calls.push_back(std::async(std::launch::async, [&store, i] {
      return store->RecordPlays("ann", Ids({i}), i);
    }));
  // One write is held at the gate and one call fits the queue: a third must be waiting.
  int waiting = 0;
  for (auto& c : calls) waiting += c.wait_for(100ms) == std::future_status::timeout ? 1 : 0;
  EXPECT_GE(waiting, 1);
  state->Open();
  for (auto& c : calls) EXPECT_TRUE(c.get().ok());
  FlushWriteBehind(*store);
  std::lock_guard<std::mutex> lock(state->mu);
  EXPECT_EQ(state->writes.size(), 3u);
}

TEST(WriteBehindTest, DestroyingTheStoreWritesWhatIsStillQueued) {
  auto state = std::make_shared<FakeState>();
  {
    auto store = NewWriteBehindHistoryStore(std::make_unique<FakeStore>(state));
    for (std::int64_t i = 0; i < 100; ++i) ASSERT_TRUE(store->RecordPlays("ann", Ids({i}), i).ok());
  }
  std::lock_guard<std::mutex> lock(state->mu);
  ASSERT_EQ(state->writes.size(), 100u);
  for (std::int64_t i = 0; i < 100; ++i) EXPECT_EQ(state->writes[i].second, Ids({i}));
}

TEST(WriteBehindTest, FailedWritesAreReportedToOnError) {
  auto state = std::make_shared<FakeState>();
  state->write_status = Status::Internal("disk full");
  std::mutex mu;
  std::vector<std::string> errors;
  WriteBehindOptions o;
  o.on_error = [&](const Status& s) {
    std::lock_guard<std::mutex> lock(mu);
    errors.push_back(s.message());
  };
  auto store = NewWriteBehindHistoryStore(std::make_unique<FakeStore>(state), o);
  EXPECT_TRUE(store->RecordPlays("ann", Ids({1}), 1).ok());  // the answer is not held back
  FlushWriteBehind(*store);
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0], "disk full");
}

TEST(WriteBehindTest, FeedbackAndInvalidInputAreAnsweredAtOnce) {
  auto state = std::make_shared<FakeState>();
  auto store = NewWriteBehindHistoryStore(std::make_unique<FakeStore>(state));
  EXPECT_TRUE(store->RecordFeedback("ann", 404, FeedbackKind::kLike, 1, "").IsNotFound());
  EXPECT_TRUE(store->RecordFeedback("ann", 5, FeedbackKind::kLike, 1, "").ok());
  EXPECT_TRUE(store->RecordPlays("", Ids({1}), 1).IsInvalidArgument());
  EXPECT_TRUE(store->RecordPlays("ann", {}, 1).ok());
  EXPECT_EQ(store->Describe(), "fake");
}

}  // namespace
}  // namespace moodtune::music
