// moodtune: find faces, read emotions, recommend music. Thin main; commands live in *_cmd.cc.
#include <CLI/CLI.hpp>

#include "commands.h"

int main(int argc, char** argv) {
  CLI::App app{"moodtune: emotion-aware music recommendation"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Show help for every subcommand");
  int exit_code = 0;
  moodtune::cli::AddAnalyzeCommand(app, &exit_code);
  moodtune::cli::AddEvalCommand(app, &exit_code);
  moodtune::cli::AddPackCommand(app, &exit_code);
  moodtune::cli::AddMusicCommands(app, &exit_code);
  moodtune::cli::AddDeviceCommands(app, &exit_code);
  moodtune::cli::AddSpotifyCommands(app, &exit_code);
  moodtune::cli::AddServeCommand(app, &exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return exit_code;
}
