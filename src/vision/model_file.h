// Checks that a model file exists before OpenCV DNN tries (and throws) to load it, so the
// caller gets a NotFound that says how to obtain the file.
// Thread-safety: pure function (reads the file system).
#pragma once

#include <string>
#include <string_view>

#include "moodtune/status.h"

namespace moodtune {

// OK when `path` is a regular file; NotFound "<what> model not found at <path>; <how>".
Status CheckModelFile(const std::string& path, std::string_view what, std::string_view how);

}  // namespace moodtune
