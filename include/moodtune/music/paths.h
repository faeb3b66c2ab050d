// Where the catalogue database lives. Environment access is injected.
// Thread-safety: pure given `getenv`.
#pragma once

#include <functional>
#include <string>

namespace moodtune::music {

using GetEnvFn = std::function<const char*(const char*)>;

// $MOODTUNE_DB if set; else $XDG_DATA_HOME/moodtune/moodtune.db; else
// $HOME/.local/share/moodtune/moodtune.db; else ./moodtune.db.
std::string DefaultDatabasePath(const GetEnvFn& getenv);

}  // namespace moodtune::music
