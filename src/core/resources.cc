#include "moodtune/resources.h"

#include <cstdlib>
#include <filesystem>
#include <system_error>

namespace moodtune {
namespace fs = std::filesystem;

std::vector<std::string> ResourceCandidates(const std::string& path, const ResourceSearch& s) {
  if (path.empty()) return {};
  if (fs::path(path).is_absolute()) return {path};
  std::vector<std::string> out = {path};
  if (!s.home.empty()) out.push_back((fs::path(s.home) / path).lexically_normal().string());
  if (!s.exe_dir.empty()) {
    const fs::path up = fs::path(s.exe_dir).parent_path();
    out.push_back((up / path).lexically_normal().string());
    out.push_back((up / "share" / "moodtune" / path).lexically_normal().string());
  }
  return out;
}

ResourceSearch DefaultResourceSearch() {
  ResourceSearch s;
  if (const char* h = std::getenv("MOODTUNE_HOME"); h != nullptr) s.home = h;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) s.exe_dir = exe.parent_path().string();
  return s;
}

Result<std::string> FindResource(const std::string& path, const ResourceSearch& s) {
  const std::vector<std::string> candidates = ResourceCandidates(path, s);
  std::string looked;
  for (const std::string& c : candidates) {
    std::error_code ec;
    if (fs::is_regular_file(c, ec)) return c;
    looked += (looked.empty() ? "" : ", ") + c;
  }
  return Status::NotFound("not found: " + (looked.empty() ? std::string("(empty path)") : looked));
}

}  // namespace moodtune
