// Where the project's data lives for tests: $MOODTUNE_DATA_DIR, else ../shared/data beside
// the source tree (see ../shared/data/README.md). Thread-safety: pure.
#pragma once

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace moodtune_test {

inline std::filesystem::path DataDir() {
  if (const char* d = std::getenv("MOODTUNE_DATA_DIR"); d != nullptr && *d != '\0') return d;
  return std::filesystem::path(MOODTUNE_SOURCE_DIR) / ".." / "shared" / "data";
}

// Every .jpg/.png below `dir`, sorted (deterministic order for tests).
inline std::vector<std::filesystem::path> ImagesUnder(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> out;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    const std::string ext = it->path().extension().string();
    if (it->is_regular_file() && (ext == ".jpg" || ext == ".jpeg" || ext == ".png"))
      out.push_back(it->path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace moodtune_test
