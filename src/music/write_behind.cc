#include "moodtune/music/write_behind.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <vector>

namespace moodtune::music {
namespace {

class WriteBehindHistoryStore final : public HistoryStore {
 public:
  WriteBehindHistoryStore(std::unique_ptr<HistoryStore> inner, WriteBehindOptions o)
      : inner_(std::move(inner)), o_(std::move(o)) {
    if (o_.max_pending < 1) o_.max_pending = 1;
    try {
      writer_ = std::thread([this] { Loop(); });
    } catch (const std::system_error&) {
      synchronous_ = true;
    }
  }

  ~WriteBehindHistoryStore() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    queued_.notify_all();
    if (writer_.joinable()) writer_.join();  // the writer drains the queue first
  }

  Status RecordPlays(std::string_view listener, std::span<const std::int64_t> track_ids,
                     std::int64_t unix_s) override {
    if (listener.empty()) return Status::InvalidArgument("listener must not be empty");
    if (track_ids.empty()) return Status::Ok();
    if (synchronous_) return inner_->RecordPlays(listener, track_ids, unix_s);
    std::unique_lock<std::mutex> lock(mu_);
    room_.wait(lock, [&] { return static_cast<int>(queue_.size()) < o_.max_pending; });
    queue_.push_back({std::string(listener), {track_ids.begin(), track_ids.end()}, unix_s});
    ++pending_[queue_.back().listener];
    queued_.notify_one();
    return Status::Ok();
  }

  Result<std::vector<std::int64_t>> RecentPlays(std::string_view listener, int limit) override {
    {
      std::unique_lock<std::mutex> lock(mu_);
      const std::string key(listener);
      written_.wait(lock, [&] { return pending_.find(key) == pending_.end(); });
    }
    return inner_->RecentPlays(listener, limit);
  }

  Status RecordFeedback(std::string_view listener, std::int64_t track_id, FeedbackKind kind,
                        std::int64_t unix_s, std::string_view event_id) override {
    return inner_->RecordFeedback(listener, track_id, kind, unix_s, event_id);
  }
  Result<std::vector<FeedbackEvent>> Feedback(std::string_view listener) override {
    return inner_->Feedback(listener);
  }
  std::string Describe() const override { return inner_->Describe(); }

  void Flush() {
    std::unique_lock<std::mutex> lock(mu_);
    written_.wait(lock, [&] { return pending_.empty(); });
  }

 private:
  struct Plays {
    std::string listener;
    std::vector<std::int64_t> ids;
    std::int64_t unix_s = 0;
  };

  void Loop() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      queued_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      // The entry stays counted in pending_ until it is written, so a reader of this
      // listener waits for it; it leaves the queue now, so callers may add more.
      Plays p = std::move(queue_.front());
      queue_.pop_front();
      room_.notify_one();
      lock.unlock();
      const Status s = inner_->RecordPlays(p.listener, p.ids, p.unix_s);
      if (!s.ok() && o_.on_error) o_.on_error(s);
      lock.lock();
      if (auto it = pending_.find(p.listener); it != pending_.end() && --it->second == 0)
        pending_.erase(it);
      written_.notify_all();
    }
  }

  std::unique_ptr<HistoryStore> inner_;
  WriteBehindOptions o_;
  bool synchronous_ = false;
  std::mutex mu_;
  std::condition_variable queued_, room_, written_;
  std::deque<Plays> queue_;
  std::unordered_map<std::string, int> pending_;  // listener -> queued or in-flight writes
  bool stop_ = false;
  std::thread writer_;  // last: started once everything above exists
};

}  // namespace

std::unique_ptr<HistoryStore> NewWriteBehindHistoryStore(std::unique_ptr<HistoryStore> inner,
                                                         WriteBehindOptions o) {
  return std::make_unique<WriteBehindHistoryStore>(std::move(inner), std::move(o));
}

void FlushWriteBehind(HistoryStore& store) {
  if (auto* w = dynamic_cast<WriteBehindHistoryStore*>(&store)) w->Flush();
}

}  // namespace moodtune::music
