// One spare thread that a caller can hand part of its work to when the thread is free. The
// emotion net uses it to classify a crop and its mirror on two cores when a request is alone,
// and one after the other on the caller's thread when the spare is busy (under load every
// core already runs a server worker, and a second thread per call would only oversubscribe).
// Thread-safety: TryStart and Wait may be called from any threads; Wait(ticket) waits for
// the job that TryStart's ticket names.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <system_error>
#include <thread>

namespace moodtune {

class SideThread {
 public:
  // Without a thread to be had (std::system_error), TryStart always says busy.
  SideThread() {
    try {
      thread_ = std::thread([this] { Loop(); });
    } catch (const std::system_error&) {
      stop_ = true;
    }
  }
  ~SideThread() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  SideThread(const SideThread&) = delete;
  SideThread& operator=(const SideThread&) = delete;

  // Starts `job` (which must not throw) on the spare thread and returns its ticket (> 0), or
  // returns 0 at once when the thread is busy or absent.
  std::uint64_t TryStart(std::function<void()> job) {
    std::lock_guard<std::mutex> lock(mu_);
    if (stop_ || job_ || finished_ != started_) return 0;
    job_ = std::move(job);
    wake_.notify_all();
    return ++started_;
  }

  // Returns once the job with this ticket has finished.
  void Wait(std::uint64_t ticket) {
    std::unique_lock<std::mutex> lock(mu_);
    done_.wait(lock, [&] { return finished_ >= ticket; });
  }

 private:
  void Loop() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      wake_.wait(lock, [&] { return stop_ || job_; });
      if (!job_) return;  // stopping, nothing left to run
      std::function<void()> job = std::move(job_);
      job_ = nullptr;
      lock.unlock();
      job();
      lock.lock();
      ++finished_;
      done_.notify_all();
    }
  }

  std::mutex mu_;
  std::condition_variable wake_, done_;
  std::function<void()> job_;
  std::uint64_t started_ = 0, finished_ = 0;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace moodtune
