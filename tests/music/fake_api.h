// Test helpers for the live providers: a real httplib::Server on 127.0.0.1 (ephemeral
// port, own thread, stopped in the destructor) and a clock whose sleeps advance time
// instead of waiting.
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "moodtune/music/http.h"

namespace moodtune::music::testing {

class FakeServer {
 public:
  FakeServer() = default;
  ~FakeServer() { Stop(); }
  FakeServer(const FakeServer&) = delete;
  FakeServer& operator=(const FakeServer&) = delete;

  // Register handlers on server() first, then Start().
  httplib::Server& server() { return server_; }
  void Start() {
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() before the accept loop runs would be lost; wait until it does.
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  void Stop() {
    stopping_ = true;
    if (thread_.joinable()) {
      server_.stop();
      thread_.join();
    }
  }
  std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // For slow handlers: sleeps up to `d`, returning early once the server is stopping.
  void SlowFor(std::chrono::milliseconds d) {
    const auto until = std::chrono::steady_clock::now() + d;
    while (!stopping_ && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
};

// Real steady time plus an offset; SleepFor records the wait and advances the offset.
class FakeClock final : public Clock {
 public:
  TimePoint Now() override {
    std::lock_guard<std::mutex> lock(mu_);
    return std::chrono::steady_clock::now() + offset_;
  }
  void SleepFor(Millis d) override {
    std::lock_guard<std::mutex> lock(mu_);
    sleeps_.push_back(d);
    offset_ += d;
  }
  void Advance(std::chrono::seconds s) {
    std::lock_guard<std::mutex> lock(mu_);
    offset_ += s;
  }
  std::vector<Millis> sleeps() {
    std::lock_guard<std::mutex> lock(mu_);
    return sleeps_;
  }

 private:
  std::mutex mu_;
  std::chrono::steady_clock::duration offset_{0};
  std::vector<Millis> sleeps_;
};

}  // namespace moodtune::music::testing
