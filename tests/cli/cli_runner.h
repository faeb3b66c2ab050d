// Runs the built `moodtune` binary for the CLI end-to-end tests, and scratch folders for them.
// Thread-safety: not thread-safe (temp files, std::system).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace moodtune::testing {

struct CliRun {
  bool exited = false;  // false when the process died from a signal (a crash)
  int exit_code = -1;
  std::string out, err;  // stdout and stderr
  std::vector<std::string> OutLines() const;
};

// Runs MOODTUNE_BIN with `args` (each shell-quoted) from the source root, so default model
// paths resolve as they do for a user of build/moodtune.
CliRun RunCli(const std::vector<std::string>& args);

std::filesystem::path SourceDir();
bool HasModels();  // the default emotion and detector models exist under models/

// A fresh empty folder under the system temp dir, removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

void WriteFile(const std::filesystem::path& p, const std::string& bytes);
std::string ReadFile(const std::filesystem::path& p);

}  // namespace moodtune::testing
