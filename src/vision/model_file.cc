#include "model_file.h"

#include "moodtune/resources.h"

namespace moodtune {

Result<std::string> FindModelFile(const std::string& path, std::string_view what,
                                  std::string_view how) {
  auto found = FindResource(path);
  if (found.ok()) return found;
  return Status::NotFound(std::string(what) + " model " + path + " " + found.status().message() +
                          " (set MOODTUNE_HOME to the folder that holds models/); " +
                          std::string(how));
}

}  // namespace moodtune
