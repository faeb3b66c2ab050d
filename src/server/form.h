// Strict decoders for what a request carries besides its head: percent-encoded query strings
// and urlencoded forms, and multipart/form-data bodies. Boost.Beast frames HTTP messages but
// parses neither, so these are ours; they reject anything malformed instead of guessing, and
// every count and size is bounded (fuzzed in fuzz/multipart_fuzzer.cc and form_test.cc).
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http_message.h"
#include "moodtune/status.h"

namespace moodtune::server {

struct FormLimits {
  std::size_t max_fields = 64;         // query + form fields, or multipart parts
  std::size_t max_part_headers = 8;    // header lines in one multipart part
  std::size_t max_header_line = 1024;  // bytes in one multipart header line
};

// "%41b+c" -> "Ab c" (with plus_is_space). nullopt on a bad or truncated escape.
std::optional<std::string> PercentDecode(std::string_view s, bool plus_is_space);

// "a=1&b=&c" -> {a,1},{b,""},{c,""}; empty pieces ("a=1&&b=2") are skipped.
// InvalidArgument on a bad escape or more than limits.max_fields fields.
Result<HeaderList> ParseUrlEncoded(std::string_view s, const FormLimits& limits = {});

// The boundary parameter of a multipart/form-data Content-Type (quoted or not), checked
// against RFC 2046 (1..70 characters of its set). nullopt when absent or invalid.
std::optional<std::string> MultipartBoundary(std::string_view content_type);

// Parses a multipart/form-data body. The body must start with the first delimiter and end
// with the close delimiter (an optional CRLF after it); every part needs a
// Content-Disposition: form-data with a name. Part contents view `body`.
// InvalidArgument naming what is wrong.
Result<std::vector<FormPart>> ParseMultipart(std::string_view body, std::string_view boundary,
                                             const FormLimits& limits = {});

}  // namespace moodtune::server
