// Raw: a plain TCP client for the server tests that must control the bytes on the wire
// (hostile clients, answers given before a body is sent). Used from the test thread only.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace moodtune::server::testing {

// A plain TCP client: sends bytes, reads until the peer closes or goes quiet.
class Raw {
 public:
  // `source`: the local address to connect from (127.0.0.x: each is another peer).
  explicit Raw(int port, const char* source = nullptr) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (source) {
      sockaddr_in from{};
      from.sin_family = AF_INET;
      ::inet_pton(AF_INET, source, &from.sin_addr);
      ::bind(fd_, reinterpret_cast<sockaddr*>(&from), sizeof(from));
    }
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
  }
  ~Raw() { ::close(fd_); }
  Raw(const Raw&) = delete;
  Raw& operator=(const Raw&) = delete;

  bool connected() const { return connected_; }
  // False once the peer has closed (EPIPE / ECONNRESET).
  bool Send(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }
  // Reads until the peer closes (closed() turns true) or nothing arrives for `quiet`.
  std::string Read(std::chrono::milliseconds quiet = std::chrono::milliseconds(1500)) {
    std::string out;
    while (ReadSome(quiet, &out) == Got::kBytes) {
    }
    return out;
  }
  bool closed() const { return closed_; }

  // Reads one whole answer (head and Content-Length bytes of body), waiting up to `limit`
  // for it: for answers that may be slow (a sanitizer build), without a fixed quiet time.
  std::string ReadAnswer(std::chrono::milliseconds limit = std::chrono::seconds(60)) {
    std::string out;
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      const std::size_t head_end = out.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        const std::size_t cl = out.find("Content-Length: ");
        const std::size_t body = cl == std::string::npos || cl > head_end
                                     ? 0
                                     : std::stoul(out.substr(cl + 16, 12));
        if (out.size() >= head_end + 4 + body) break;
      }
      if (ReadSome(std::chrono::milliseconds(100), &out) == Got::kClosed) break;
    }
    return out;
  }

 private:
  enum class Got { kBytes, kNothing, kClosed };
  // Waits up to `wait` for bytes and appends what one recv gives; kClosed once the peer has
  // closed (closed() turns true).
  Got ReadSome(std::chrono::milliseconds wait, std::string* out) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(wait.count())) <= 0) return Got::kNothing;
    char buf[16384];
    const ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n <= 0) {
      closed_ = true;
      return Got::kClosed;
    }
    out->append(buf, static_cast<std::size_t>(n));
    return Got::kBytes;
  }

  int fd_ = -1;
  bool connected_ = false;
  bool closed_ = false;
};

}  // namespace moodtune::server::testing
