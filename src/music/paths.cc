#include "moodtune/music/paths.h"

namespace moodtune::music {

std::string DefaultDatabasePath(const GetEnvFn& getenv) {
  auto get = [&](const char* name) -> std::string {
    const char* v = getenv ? getenv(name) : nullptr;
    return v ? std::string(v) : std::string();
  };
  if (auto db = get("MOODTUNE_DB"); !db.empty()) return db;
  if (auto xdg = get("XDG_DATA_HOME"); !xdg.empty()) return xdg + "/moodtune/moodtune.db";
  if (auto home = get("HOME"); !home.empty()) return home + "/.local/share/moodtune/moodtune.db";
  return "moodtune.db";
}

}  // namespace moodtune::music
