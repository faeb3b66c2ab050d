// Subcommands of the `moodtune` CLI. Each Add*Command registers one subcommand on `app`;
// when it runs, it stores the process exit code in *exit_code (0 ok, 1 failure, 2 usage).
// Thread-safety: called once from main.
#pragma once

#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace moodtune::cli {

void AddPackCommand(CLI::App& app, int* exit_code);
void AddMusicCommands(CLI::App& app, int* exit_code);
void AddDeviceCommands(CLI::App& app, int* exit_code);
void AddSpotifyCommands(CLI::App& app, int* exit_code);
void AddServeCommand(CLI::App& app, int* exit_code);
void AddAnalyzeCommand(CLI::App& app, int* exit_code);
void AddEvalCommand(CLI::App& app, int* exit_code);
// `catalog recheck` (needs AddMusicCommands' `catalog` first) and `recommend-eval`.
void AddListenerMoodCommands(CLI::App& app, int* exit_code);

// `catalog import --format deezer-mood FILE...` (listener_cmd.cc); returns the exit code.
int RunDeezerMoodImport(const std::string& db, const std::vector<std::string>& files);

}  // namespace moodtune::cli
