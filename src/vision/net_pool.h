// A few copies of one ONNX network, so that concurrent callers (server worker threads) run in
// parallel instead of queueing on one mutex: cv::dnn::Net::forward is not thread-safe, and
// one copy per core is cheap (our nets are 0.6 and 4.7 MB).
// Thread-safety: Run may be called from any number of threads.
#pragma once

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <opencv2/dnn.hpp>
#include <string>
#include <thread>
#include <vector>

namespace moodtune {

class NetPool {
 public:
  // Loads `copies` nets from `path` (0 = one per CPU core). Throws cv::Exception as
  // cv::dnn::readNetFromONNX does; callers construct it inside their try block.
  NetPool(const std::string& path, int copies) {
    const int n = copies > 0 ? copies : std::max(1u, std::thread::hardware_concurrency());
    for (int i = 0; i < n; ++i) {
      auto slot = std::make_unique<Slot>();
      slot->net = cv::dnn::readNetFromONNX(path);
      if (slot->net.empty())
        throw cv::Exception(cv::Error::StsError, "empty network", path, __FILE__, __LINE__);
      slot->net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
      slot->net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
      slots_.push_back(std::move(slot));
    }
  }
  NetPool(const NetPool&) = delete;
  NetPool& operator=(const NetPool&) = delete;

  // Calls f(cv::dnn::Net&) on a free copy (or waits for one, round-robin); returns its result.
  template <typename F>
  auto Run(F&& f) const {
    for (auto& s : slots_) {
      std::unique_lock<std::mutex> lock(s->mu, std::try_to_lock);
      if (lock.owns_lock()) return f(s->net);
    }
    Slot& s = *slots_[next_.fetch_add(1) % slots_.size()];
    std::lock_guard<std::mutex> lock(s.mu);
    return f(s.net);
  }
  std::size_t size() const { return slots_.size(); }

 private:
  struct Slot {
    std::mutex mu;
    cv::dnn::Net net;
  };
  std::vector<std::unique_ptr<Slot>> slots_;
  mutable std::atomic<std::size_t> next_{0};
};

}  // namespace moodtune
