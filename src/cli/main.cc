// moodtune: find faces, read emotions, recommend music. Thin main; commands live in *_cmd.cc.
#include <CLI/CLI.hpp>
#include <iostream>
#include <string>

#include "commands.h"

int main(int argc, char** argv) {
  CLI::App app{"moodtune: emotion-aware music recommendation"};
  app.set_version_flag("--version", std::string("moodtune ") + MOODTUNE_VERSION);
  // Bare `moodtune` prints the help and exits 0 (it exited 106, CLI11's "requires a
  // subcommand"); an unknown subcommand is still an error.
  app.require_subcommand(0, 1);
  app.set_help_all_flag("--help-all", "Show help for every subcommand");
  int exit_code = 0;
  moodtune::cli::AddAnalyzeCommand(app, &exit_code);
  moodtune::cli::AddEvalCommand(app, &exit_code);
  moodtune::cli::AddPackCommand(app, &exit_code);
  moodtune::cli::AddMusicCommands(app, &exit_code);
  moodtune::cli::AddListenerMoodCommands(app, &exit_code);
  moodtune::cli::AddDeviceCommands(app, &exit_code);
  moodtune::cli::AddSpotifyCommands(app, &exit_code);
  moodtune::cli::AddServeCommand(app, &exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (app.get_subcommands().empty()) {
    std::cout << app.help();
    return 0;
  }
  return exit_code;
}
