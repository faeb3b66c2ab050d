// Finds and loads libmoodtune_media.so (media_abi.h) on first need, and decodes through it
// the formats that are not JPEG. Private to src/vision.
// Thread-safety: MediaLibraryCandidates is pure; LoadMediaLibrary and MediaDecode may be
// called from any thread.
#pragma once

#include <cstdint>
#include <opencv2/core.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "media_abi.h"
#include "moodtune/media.h"
#include "moodtune/status.h"

namespace moodtune {

// The places the library is looked for, in order (MediaOptions::library): the option's path
// alone when set; else <exe_dir>/libmoodtune_media.so, <exe_dir>/<install_rel>/
// libmoodtune_media.so (the install's layout, bin/ -> lib/moodtune/) and the bare name, which
// the dynamic loader searches for. Empty exe_dir or install_rel entries are skipped.
std::vector<std::string> MediaLibraryCandidates(const MediaOptions& opts,
                                                const std::string& exe_dir,
                                                const std::string& install_rel);

// The media library's function table. Loaded once per process for each MediaOptions::library
// (RTLD_NOW | RTLD_LOCAL) and never unloaded: cameras and the table itself point into it.
// A failed load is not remembered, so a library installed later is found. Unavailable,
// "<need> needs libmoodtune_media.so: <each candidate's dlerror>", when no candidate loads or
// the one found is another version.
Result<const media_abi::Api*> LoadMediaLibrary(const MediaOptions& opts, std::string_view need);

// Decodes a PNG/BMP/WebP/... stream with the media library (cv::imdecode) to CV_8UC3 BGR, or
// CV_8UC1 when `gray`. `format` names the input in errors ("PNG"). InvalidArgument for
// undecodable data; LoadMediaLibrary's errors. The caller checks sizes first.
Result<cv::Mat> MediaDecode(std::span<const std::uint8_t> bytes, bool gray, std::string_view format,
                            const MediaOptions& opts);

}  // namespace moodtune
