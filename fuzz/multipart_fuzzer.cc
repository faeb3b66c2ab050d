// libFuzzer target: the server's upload path. The input is a raw HTTP request, fed through
// cpp-httplib's request parser (request line, headers, Content-Length/chunked body,
// multipart/form-data) into the same helpers the routes use (ExtractImage, Field,
// MediaType, RequestId) and the API-key header parsing. No socket: a Stream over the bytes.
#include <cstddef>
#include <cstdint>
#include <string>

#include <httplib.h>

#include "http_util.h"
#include "security.h"

namespace {

// Reads come from the fuzz input; writes (the answer) are discarded.
class BytesStream final : public httplib::Stream {
 public:
  BytesStream(const std::uint8_t* data, std::size_t size)
      : data_(reinterpret_cast<const char*>(data)), size_(size) {}
  bool is_readable() const override { return true; }
  bool is_writable() const override { return true; }
  ssize_t read(char* ptr, std::size_t n) override {
    const std::size_t left = size_ - pos_;
    if (left == 0) return 0;
    const std::size_t k = n < left ? n : left;
    std::memcpy(ptr, data_ + pos_, k);
    pos_ += k;
    return static_cast<ssize_t>(k);
  }
  ssize_t write(const char*, std::size_t n) override { return static_cast<ssize_t>(n); }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = "127.0.0.1";
    port = 40000;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip = "127.0.0.1";
    port = 8000;
  }
  socket_t socket() const override { return -1; }

 private:
  const char* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

class FuzzServer : public httplib::Server {
 public:
  FuzzServer() {
    set_payload_max_length(1 << 20);
    auto upload = [](const httplib::Request& req, httplib::Response& res) {
      auto image = moodtune::server::ExtractImage(req, {"files", "file", "image"});
      for (const char* f : {"n", "strategy", "genre", "listener"})
        (void)moodtune::server::Field(req, f);
      (void)moodtune::server::MediaType(req.get_header_value("Content-Type"));
      (void)moodtune::server::RequestId(req);
      (void)moodtune::server::PresentedKey(req.get_header_value("Authorization"),
                                           req.get_header_value("X-API-Key"));
      if (auto* e = std::get_if<moodtune::server::ApiError>(&image))
        return moodtune::server::ReplyError(res, *e);
      res.set_content(std::to_string(std::get<std::string_view>(image).size()), "text/plain");
    };
    Post("/recommend", upload);
    Post("/v1/recommendations", upload);
  }
  void Feed(BytesStream& s) {
    bool closed = false;
    process_request(s, /*close_connection=*/true, closed, nullptr);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static FuzzServer server;
  BytesStream stream(data, size);
  server.Feed(stream);
  return 0;
}
