// The request and response the handlers see, independent of the HTTP library underneath
// (http_server.cc fills them from Boost.Beast). Header names compare case-insensitively;
// query, form and multipart fields are already decoded when a handler runs.
// Thread-safety: plain values; one request is handled by one thread at a time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace moodtune::server {

// One multipart/form-data part. `content` views the request body (valid while it lives).
struct FormPart {
  std::string name;
  std::string filename;      // "" for text fields
  std::string content_type;  // "" when the part gave none
  std::string_view content;
};

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method;           // "GET", "POST", ...
  std::string target;           // as sent: path plus query
  std::string path;             // percent-decoded path, without the query
  HeaderList headers;           // in arrival order
  HeaderList params;            // query string, then urlencoded form fields (decoded)
  std::vector<FormPart> parts;  // multipart/form-data parts, in order
  std::string body;
  std::string remote_addr;
  std::vector<std::string> matches;  // route captures: [0] the path, [1..] groups
  int route = -1;                    // the router's choice, made from the head

  // The first value of a header ("" when absent).
  std::string get_header_value(std::string_view name) const;
  bool has_header(std::string_view name) const;
  std::optional<std::string> param(std::string_view name) const;  // the first value
  const FormPart* part(std::string_view name) const;              // the first part so named
  bool is_multipart() const;
};

struct HttpResponse {
  int status = 200;
  HeaderList headers;
  std::string body;
  bool close = false;  // close the connection after this answer

  void set_header(std::string name, std::string value);  // replaces a header of that name
  std::string get_header_value(std::string_view name) const;
  void set_content(std::string content, std::string_view content_type);
};

// ASCII case-insensitive equality (header names, media types).
bool IEquals(std::string_view a, std::string_view b);

// Content-Type without parameters, lower-case ("image/jpeg").
std::string MediaType(std::string_view content_type);

}  // namespace moodtune::server
