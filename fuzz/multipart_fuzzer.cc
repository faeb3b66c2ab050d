// libFuzzer target: the server's own request-body decoders (issue 11: Boost.Beast frames the
// message; multipart and urlencoded decoding are ours). The input's first line is the
// Content-Type, the rest the body; both go through MultipartBoundary, ParseMultipart and
// ParseUrlEncoded, then into the helpers the routes use (ExtractImage, Field, the UTF-8
// checks). Every part must lie inside the body.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "form.h"
#include "http_util.h"
#include "security.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace moodtune::server;
  const std::string input(reinterpret_cast<const char*>(data), size);
  const std::size_t nl = input.find('\n');
  HttpRequest req;
  req.method = "POST";
  req.path = "/recommend";
  req.headers.emplace_back("Content-Type", input.substr(0, nl));
  req.body = nl == std::string::npos ? std::string() : input.substr(nl + 1);
  if (auto form = ParseUrlEncoded(req.body); form.ok()) req.params = std::move(form).value();
  if (auto boundary = MultipartBoundary(req.get_header_value("Content-Type"))) {
    auto parts = ParseMultipart(req.body, *boundary);
    if (parts.ok()) {
      for (const FormPart& p : *parts) {
        const char* b = req.body.data();
        if (p.content.data() < b || p.content.data() + p.content.size() > b + req.body.size())
          std::abort();  // a part outside the body
      }
      req.parts = std::move(parts).value();
    }
  }
  (void)InvalidUtf8InHead(req);
  (void)InvalidUtf8InForm(req);
  (void)ExtractImage(req, {"files", "file", "image"});
  for (const char* f : {"n", "strategy", "genre", "listener"}) (void)Field(req, f);
  (void)RequestId(req);
  (void)PresentedKey(req.get_header_value("Authorization"), req.get_header_value("X-API-Key"));
  return 0;
}
