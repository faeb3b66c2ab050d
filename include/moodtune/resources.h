// Where moodtune finds its data files (models/...), whatever the working directory (issue 13:
// run from another folder, `analyze` said the detector was missing and `serve` answered 503).
// Thread-safety: ResourceCandidates is pure; DefaultResourceSearch and FindResource read the
// environment and the file system.
#pragma once

#include <string>
#include <vector>

#include "moodtune/status.h"

namespace moodtune {

struct ResourceSearch {
  std::string home;     // $MOODTUNE_HOME: a folder holding models/ ("" = not set)
  std::string exe_dir;  // folder of the running executable ("" = unknown)
};

// The places a relative `path` is looked for, in order: as given (relative to the working
// directory), <home>/<path>, <exe_dir>/../<path> (build/moodtune in a source tree), and
// <exe_dir>/../share/moodtune/<path> (after `cmake --install`). An absolute path is only
// itself. Empty entries of `s` are skipped.
std::vector<std::string> ResourceCandidates(const std::string& path, const ResourceSearch& s);

// $MOODTUNE_HOME and the directory of /proc/self/exe.
ResourceSearch DefaultResourceSearch();

// The first candidate that is a regular file; NotFound listing every place looked at.
Result<std::string> FindResource(const std::string& path,
                                 const ResourceSearch& s = DefaultResourceSearch());

}  // namespace moodtune
