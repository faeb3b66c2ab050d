// PeerBudget: the server-wide and per-peer-address limits on open connections and on request
// body bytes held in memory (issue 11). One client (one address) may use only its share of
// the server-wide limits, so it cannot lock everyone else out.
// Thread-safety: every member is safe to call from any thread (one mutex).
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace moodtune::server {

struct PeerBudgetLimits {
  std::size_t max_connections = 1024;         // open connections, server-wide
  std::size_t max_connections_per_peer = 512; // open connections from one address
  std::uint64_t max_bytes = 64 << 20;         // body bytes held, server-wide
  std::uint64_t max_bytes_per_peer = 32 << 20;  // body bytes held for one address
};

class PeerBudget {
 public:
  explicit PeerBudget(PeerBudgetLimits limits = {}) : limits_(limits) {}

  // Counts a new connection from `peer`; false (nothing counted) when the server or the peer
  // is at its connection limit.
  bool Admit(const std::string& peer) {
    std::lock_guard<std::mutex> lock(mu_);
    Use& u = peers_[peer];
    if (connections_ >= limits_.max_connections || u.connections >= limits_.max_connections_per_peer) {
      if (u.connections == 0) peers_.erase(peer);
      return false;
    }
    ++u.connections;
    ++connections_;
    return true;
  }
  // A connection from `peer` closed, giving back the `bytes` it still held.
  void Leave(const std::string& peer, std::uint64_t bytes) {
    std::lock_guard<std::mutex> lock(mu_);
    bytes_ -= bytes;
    --connections_;
    auto it = peers_.find(peer);
    if (it == peers_.end()) return;
    it->second.bytes -= bytes;
    if (--it->second.connections == 0) peers_.erase(it);
  }
  // Takes `n` body bytes (server-wide and the peer's share); false (nothing taken) when either
  // would overflow.
  bool Reserve(const std::string& peer, std::uint64_t n) {
    std::lock_guard<std::mutex> lock(mu_);
    Use& u = peers_[peer];
    if (bytes_ + n > limits_.max_bytes || u.bytes + n > limits_.max_bytes_per_peer) return false;
    bytes_ += n;
    u.bytes += n;
    return true;
  }
  // Gives back `n` bytes taken by Reserve on a connection that stays open.
  void Unreserve(const std::string& peer, std::uint64_t n) {
    std::lock_guard<std::mutex> lock(mu_);
    bytes_ -= n;
    auto it = peers_.find(peer);
    if (it != peers_.end()) it->second.bytes -= n;
  }
  std::size_t connections() const {
    std::lock_guard<std::mutex> lock(mu_);
    return connections_;
  }
  std::uint64_t bytes() const {
    std::lock_guard<std::mutex> lock(mu_);
    return bytes_;
  }

 private:
  struct Use {
    std::size_t connections = 0;
    std::uint64_t bytes = 0;
  };
  const PeerBudgetLimits limits_;
  mutable std::mutex mu_;
  std::size_t connections_ = 0;
  std::uint64_t bytes_ = 0;
  std::unordered_map<std::string, Use> peers_;
};

}  // namespace moodtune::server
