// In-memory store of annotated JPEGs served at /static/<id>.jpg. Ids are 128 random bits
// (getrandom) as 32 lower-case hex digits, so they cannot be guessed or enumerated; nothing
// touches the disk, so no path can escape. Retention: at most max_images, none older than
// max_age, at most max_bytes in all (the oldest go first).
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <chrono>
#include <climits>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace moodtune::server {

using SteadyNow = std::function<std::chrono::steady_clock::time_point()>;

class ImageStore {
 public:
  // `now` is injected for tests; default: steady_clock::now. `max_bytes` bounds the sum of
  // stored image sizes.
  ImageStore(int max_images, std::chrono::seconds max_age, SteadyNow now = nullptr,
             std::int64_t max_bytes = INT64_MAX);

  // Stores `jpeg` and returns its new id, evicting the oldest images to make room. Returns
  // "" (store full) when `jpeg` alone is larger than max_bytes: nothing is kept.
  std::string Put(std::string jpeg);
  // Makes the JPEG when it is first fetched (issue 12: most clients never fetch it, so the
  // request path no longer draws and encodes). `bytes` is what the pending entry holds (the
  // source image) and what counts against max_bytes; `render` runs at most once, on the
  // first Get's thread, and returns "" when it cannot draw (Get then gives nullptr).
  using Render = std::function<std::string()>;
  std::string PutLazy(std::int64_t bytes, Render render);
  // The bytes for `id`, or nullptr when unknown, expired or not a well-formed id.
  std::shared_ptr<const std::string> Get(std::string_view id);
  std::size_t size();

 private:
  void EvictLocked(std::chrono::steady_clock::time_point now);

  const std::size_t max_images_;
  const std::chrono::seconds max_age_;
  const std::int64_t max_bytes_;
  SteadyNow now_;
  std::int64_t bytes_ = 0;
  std::mutex mu_;
  struct Entry {
    std::string id;
    std::chrono::steady_clock::time_point at;
    std::int64_t bytes = 0;
  };
  std::deque<Entry> order_;  // oldest first
  struct Item {
    std::mutex mu;                            // guards the one-time render
    std::shared_ptr<const std::string> jpeg;  // null until rendered (lazy entries)
    Render render;                            // cleared once run
  };
  std::unordered_map<std::string, std::shared_ptr<Item>> images_;
  std::string Insert(std::shared_ptr<Item> item, std::int64_t bytes);
};

// 32 lower-case hex digits from the kernel's CSPRNG.
std::string RandomId();
// True for exactly 32 lower-case hex digits (what RandomId makes).
bool IsValidId(std::string_view id);

}  // namespace moodtune::server
