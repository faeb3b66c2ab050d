#include "media_loader.h"

#include <dlfcn.h>

#include <filesystem>
#include <map>
#include <mutex>

#include "moodtune/resources.h"

#ifndef MOODTUNE_MEDIA_INSTALL_REL
#define MOODTUNE_MEDIA_INSTALL_REL "../lib/moodtune"
#endif

namespace moodtune {
namespace fs = std::filesystem;

std::vector<std::string> MediaLibraryCandidates(const MediaOptions& opts,
                                                const std::string& exe_dir,
                                                const std::string& install_rel) {
  if (!opts.library.empty()) return {opts.library};
  std::vector<std::string> out;
  if (!exe_dir.empty()) {
    out.push_back((fs::path(exe_dir) / kMediaLibraryName).string());
    if (!install_rel.empty()) {
      out.push_back(
          (fs::path(exe_dir) / install_rel / kMediaLibraryName).lexically_normal().string());
    }
  }
  out.push_back(kMediaLibraryName);
  return out;
}

namespace {

// Tries each candidate; the table, or every dlerror joined.
Result<const media_abi::Api*> Open(const std::vector<std::string>& candidates) {
  std::string why;
  for (const std::string& c : candidates) {
    // dlerror's state is per thread; reading it clears it for the next attempt.
    void* lib = dlopen(c.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr) {
      const char* e = dlerror();
      why += (why.empty() ? "" : "; ") + std::string(e != nullptr ? e : c + ": dlopen failed");
      continue;
    }
    // Never dlclose'd (see the header), also when it is refused below: it may be a copy
    // another caller loaded and uses.
    auto entry = reinterpret_cast<media_abi::EntryPoint>(dlsym(lib, media_abi::kEntryPoint));
    if (entry == nullptr) {
      why += (why.empty() ? "" : "; ") + c + ": no " + media_abi::kEntryPoint;
      continue;
    }
    const media_abi::Api* api = entry();
    if (api == nullptr || api->version != media_abi::kVersion) {
      why += (why.empty() ? "" : "; ") + c + ": another version of the library";
      continue;
    }
    return api;
  }
  return Status::Unavailable(why);
}

}  // namespace

Result<const media_abi::Api*> LoadMediaLibrary(const MediaOptions& opts, std::string_view need) {
  // The process's loaded libraries are global state whatever we do; this cache only spares
  // the search. Keyed by the option, so a test's bad path never hides the default.
  static std::mutex mu;
  static std::map<std::string, const media_abi::Api*> loaded;
  std::lock_guard<std::mutex> lock(mu);
  if (auto it = loaded.find(opts.library); it != loaded.end()) return it->second;
  auto api = Open(
      MediaLibraryCandidates(opts, DefaultResourceSearch().exe_dir, MOODTUNE_MEDIA_INSTALL_REL));
  if (!api.ok()) {
    return Status::Unavailable(std::string(need) + " needs " + kMediaLibraryName + ": " +
                               api.status().message());
  }
  loaded.emplace(opts.library, *api);
  return api;
}

Result<cv::Mat> MediaDecode(std::span<const std::uint8_t> bytes, bool gray, std::string_view format,
                            const MediaOptions& opts) {
  auto api = LoadMediaLibrary(opts, std::string(format) + " input");
  if (!api.ok()) return api.status();
  cv::Mat img;
  char err[512] = "";
  if ((*api)->decode(bytes.data(), bytes.size(),
                     gray ? media_abi::kDecodeGray : media_abi::kDecodeColor, &img, err,
                     sizeof err) != 0) {
    return Status::InvalidArgument(err);
  }
  if (img.type() != (gray ? CV_8UC1 : CV_8UC3)) {
    return Status::Internal("decoder returned an unexpected type");
  }
  return img;
}

}  // namespace moodtune
