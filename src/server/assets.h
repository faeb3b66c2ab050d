// Files embedded at build time (src/server/CMakeLists.txt): the web page from web/ and the
// OpenAPI document src/server/openapi.json.
// Thread-safety: immutable data.
#pragma once

#include <string_view>

namespace moodtune::server {

struct Asset {
  std::string_view name;       // "index.html", "app.js", "style.css", "openapi.json"
  std::string_view mime;       // Content-Type to serve it with
  std::string_view body;
};

// nullptr for an unknown name (names are compared exactly; no paths).
const Asset* FindAsset(std::string_view name);

}  // namespace moodtune::server
