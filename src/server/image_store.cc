#include "image_store.h"

#include <sys/random.h>

#include <array>
#include <random>

namespace moodtune::server {

std::string RandomId() {
  std::array<unsigned char, 16> bytes{};
  std::size_t got = 0;
  while (got < bytes.size()) {
    const ssize_t n = getrandom(bytes.data() + got, bytes.size() - got, 0);
    if (n > 0)
      got += static_cast<std::size_t>(n);
    else if (n < 0 && errno != EINTR)
      break;
  }
  if (got < bytes.size()) {  // getrandom unavailable: random_device is still unpredictable
    std::random_device rd;
    for (auto& b : bytes) b = static_cast<unsigned char>(rd());
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  for (unsigned char b : bytes) {
    id += kHex[b >> 4];
    id += kHex[b & 15];
  }
  return id;
}

bool IsValidId(std::string_view id) {
  if (id.size() != 32) return false;
  for (char c : id)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

ImageStore::ImageStore(int max_images, std::chrono::seconds max_age, SteadyNow now,
                       std::int64_t max_bytes)
    : max_images_(static_cast<std::size_t>(max_images < 1 ? 1 : max_images)),
      max_age_(max_age),
      max_bytes_(max_bytes),
      now_(now ? std::move(now) : SteadyNow([] { return std::chrono::steady_clock::now(); })) {}

void ImageStore::EvictLocked(std::chrono::steady_clock::time_point now) {
  while (!order_.empty() && (order_.size() > max_images_ || now - order_.front().at > max_age_ ||
                             bytes_ > max_bytes_)) {
    bytes_ -= order_.front().bytes;
    images_.erase(order_.front().id);
    order_.pop_front();
  }
}

std::string ImageStore::Insert(std::shared_ptr<Item> item, std::int64_t bytes) {
  if (bytes > max_bytes_) return "";
  std::string id = RandomId();
  std::lock_guard<std::mutex> lock(mu_);
  const auto now = now_();
  images_[id] = std::move(item);
  order_.push_back({id, now, bytes});
  bytes_ += bytes;
  EvictLocked(now);
  return id;
}

std::string ImageStore::Put(std::string jpeg) {
  const auto size = static_cast<std::int64_t>(jpeg.size());
  auto item = std::make_shared<Item>();
  item->jpeg = std::make_shared<const std::string>(std::move(jpeg));
  return Insert(std::move(item), size);
}

std::string ImageStore::PutLazy(std::int64_t bytes, Render render) {
  auto item = std::make_shared<Item>();
  item->render = std::move(render);
  return Insert(std::move(item), bytes);
}

std::shared_ptr<const std::string> ImageStore::Get(std::string_view id) {
  if (!IsValidId(id)) return nullptr;
  std::shared_ptr<Item> item;
  {
    std::lock_guard<std::mutex> lock(mu_);
    EvictLocked(now_());
    auto it = images_.find(std::string(id));
    if (it == images_.end()) return nullptr;
    item = it->second;
  }
  // Rendering runs outside the store's lock: other ids stay servable meanwhile.
  std::lock_guard<std::mutex> lock(item->mu);
  if (!item->jpeg && item->render) {
    std::string jpeg = item->render();
    item->render = nullptr;  // frees the source image
    if (!jpeg.empty()) item->jpeg = std::make_shared<const std::string>(std::move(jpeg));
  }
  return item->jpeg;
}

std::size_t ImageStore::size() {
  std::lock_guard<std::mutex> lock(mu_);
  EvictLocked(now_());
  return images_.size();
}

}  // namespace moodtune::server
