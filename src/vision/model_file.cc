#include "model_file.h"

#include <filesystem>
#include <system_error>

namespace moodtune {

Status CheckModelFile(const std::string& path, std::string_view what, std::string_view how) {
  std::error_code ec;
  if (std::filesystem::is_regular_file(path, ec)) return Status::Ok();
  return Status::NotFound(std::string(what) + " model not found at " + path + "; " +
                          std::string(how));
}

}  // namespace moodtune
