// Built when libpqxx is not found: the PostgreSQL store reports itself unsupported.
#include "moodtune/music/history_store.h"

namespace moodtune::music {

bool PostgresSupported() { return false; }

int LatestPostgresSchemaVersion() { return 0; }

Result<std::unique_ptr<HistoryStore>> NewPostgresHistoryStore(const HistoryStoreOptions& o) {
  if (o.database_url.empty()) return Status::InvalidArgument("empty database_url");
  return Status::Unsupported(
      "database_url is set but this build has no PostgreSQL support (install libpqxx-dev and "
      "re-run cmake)");
}

}  // namespace moodtune::music
