// Finds a model file before OpenCV DNN tries (and throws) to load it, so the caller gets a
// NotFound that says where it looked and how to obtain the file.
// Thread-safety: reads the environment and the file system.
#pragma once

#include <string>
#include <string_view>

#include "moodtune/status.h"

namespace moodtune {

// The usable path of a model (FindResource: as given, $MOODTUNE_HOME, beside the executable,
// an install prefix); NotFound "<what> model <path> not found (looked at ...); <how>".
Result<std::string> FindModelFile(const std::string& path, std::string_view what,
                                  std::string_view how);

}  // namespace moodtune
