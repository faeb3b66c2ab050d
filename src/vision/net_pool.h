// A few copies of one network, so that concurrent callers (server worker threads) run in
// parallel instead of queueing on one mutex: cv::dnn::Net::forward is not thread-safe (nor is
// a OneDnnChain's Run), and one copy per core is cheap (our nets are 0.6 and 4.7 MB).
// Thread-safety: Run may be called from any number of threads.
#pragma once

#include <algorithm>
#include <atomic>
#include <exception>
#include <memory>
#include <mutex>
#include <opencv2/dnn.hpp>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

namespace moodtune {

// Copies to make for `copies` (0 = one per CPU core).
inline int PoolSize(int copies) {
  return copies > 0 ? copies : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

// Guards each of a set of equivalent objects with its own mutex.
template <typename T>
class CopyPool {
 public:
  explicit CopyPool(std::vector<T> copies) {
    for (auto& c : copies) slots_.push_back(std::make_unique<Slot>(std::move(c)));
  }
  CopyPool(const CopyPool&) = delete;
  CopyPool& operator=(const CopyPool&) = delete;

  // Calls f(T&) on a free copy (or waits for one, round-robin); returns its result.
  template <typename F>
  auto Run(F&& f) const {
    for (auto& s : slots_) {
      std::unique_lock<std::mutex> lock(s->mu, std::try_to_lock);
      if (lock.owns_lock()) return f(s->object);
    }
    Slot& s = *slots_[next_.fetch_add(1) % slots_.size()];
    std::lock_guard<std::mutex> lock(s.mu);
    return f(s.object);
  }
  std::size_t size() const { return slots_.size(); }

 private:
  struct Slot {
    explicit Slot(T o) : object(std::move(o)) {}
    std::mutex mu;
    T object;
  };
  std::vector<std::unique_ptr<Slot>> slots_;
  mutable std::atomic<std::size_t> next_{0};
};

// `copies` ONNX nets read from one file.
class NetPool : public CopyPool<cv::dnn::Net> {
 public:
  // Loads `copies` nets from `path` (0 = one per CPU core). Throws cv::Exception as
  // cv::dnn::readNetFromONNX does; callers construct it inside their try block.
  NetPool(const std::string& path, int copies) : CopyPool(LoadAll(path, PoolSize(copies))) {}

  // Issue 12: the copies are parsed in parallel, one thread each (start-up was 0.5 s, most of
  // it parsing the same ONNX file once per copy, one after the other).
  static std::vector<cv::dnn::Net> LoadAll(const std::string& path, int n) {
    std::vector<cv::dnn::Net> nets(static_cast<std::size_t>(n));
    std::vector<std::exception_ptr> errors(nets.size());
    const auto load = [&](std::size_t i) {
      try {
        nets[i] = Load(path);
      } catch (...) {
        errors[i] = std::current_exception();
      }
    };
    std::vector<std::thread> threads;
    for (std::size_t i = 1; i < nets.size(); ++i) {
      try {
        threads.emplace_back(load, i);
      } catch (const std::system_error&) {
        load(i);  // no thread to be had: load it here
      }
    }
    load(0);
    for (auto& t : threads) t.join();
    for (const auto& e : errors)
      if (e) std::rethrow_exception(e);
    return nets;
  }

  static cv::dnn::Net Load(const std::string& path) {
    cv::dnn::Net net = cv::dnn::readNetFromONNX(path);
    if (net.empty())
      throw cv::Exception(cv::Error::StsError, "empty network", path, __FILE__, __LINE__);
    net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
    net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
    return net;
  }
};

}  // namespace moodtune
