#include "cli_runner.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>

#include "moodtune/vision.h"

namespace moodtune::testing {
namespace fs = std::filesystem;

namespace {
std::string Quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'') {
      q += "'\\''";
    } else {
      q += c;
    }
  }
  return q + "'";
}
}  // namespace

std::vector<std::string> CliRun::OutLines() const {
  std::vector<std::string> lines;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

fs::path SourceDir() { return MOODTUNE_SOURCE_DIR; }

bool HasModels() {
  return fs::is_regular_file(SourceDir() / ClassifierOptions{}.model_path) &&
         fs::is_regular_file(SourceDir() / BlazeFaceOptions{}.model_path);
}

CliRun RunCli(const std::vector<std::string>& args) {
  TempDir tmp;
  const fs::path out = tmp.path() / "stdout", err = tmp.path() / "stderr";
  // Built by appending: GCC 12 warns falsely (-Wrestrict) on "literal" + std::string&&.
  std::string cmd = "cd ";
  cmd.append(Quote(SourceDir().string())).append(" && ").append(Quote(MOODTUNE_BIN));
  for (const std::string& a : args) cmd.append(" ").append(Quote(a));
  // stdin from /dev/null and stderr to a file: not a terminal, so no progress bar.
  cmd.append(" </dev/null >").append(Quote(out.string()));
  cmd.append(" 2>").append(Quote(err.string()));
  const int status = std::system(cmd.c_str());
  CliRun r;
  // The shell reports a child killed by signal N as exit status 128 + N.
  r.exited = status != -1 && WIFEXITED(status) && WEXITSTATUS(status) < 128;
  r.exit_code = status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = ReadFile(out);
  r.err = ReadFile(err);
  return r;
}

TempDir::TempDir() {
  std::string tmpl = (fs::temp_directory_path() / "moodtune-cli-test-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

void WriteFile(const fs::path& p, const std::string& bytes) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << bytes;
}

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace moodtune::testing
