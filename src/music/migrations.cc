// Schema migrations. Append new steps; never edit a shipped one (databases in the field
// already ran it). PRAGMA user_version holds the number of steps applied.
#include "sqlite_util.h"
#include "moodtune/music/catalogue.h"

namespace moodtune::music {
namespace {
constexpr const char* kMigrations[] = {
    // 1: core tables.
    R"sql(
CREATE TABLE tracks(
  id          INTEGER PRIMARY KEY,
  title       TEXT NOT NULL,
  artists     TEXT NOT NULL,             -- ';'-separated
  album       TEXT NOT NULL DEFAULT '',
  genre       TEXT NOT NULL DEFAULT '',
  year        INTEGER NOT NULL DEFAULT 0,
  valence     REAL NOT NULL CHECK (valence BETWEEN 0 AND 1),
  energy      REAL NOT NULL CHECK (energy BETWEEN 0 AND 1),
  moods       TEXT NOT NULL DEFAULT '',  -- ';'-separated
  spotify_url TEXT NOT NULL DEFAULT '',
  deezer_url  TEXT NOT NULL DEFAULT '',
  preview_url TEXT NOT NULL DEFAULT '',
  spotify_id  TEXT NOT NULL DEFAULT '',
  deezer_id   TEXT NOT NULL DEFAULT '',
  source      TEXT NOT NULL,
  dedup_key   TEXT NOT NULL UNIQUE
);
CREATE INDEX tracks_genre ON tracks(genre);
CREATE TABLE listeners(
  id         TEXT PRIMARY KEY,
  created_at INTEGER NOT NULL
);
CREATE TABLE plays(
  id          INTEGER PRIMARY KEY,
  listener_id TEXT NOT NULL REFERENCES listeners(id),
  track_id    INTEGER NOT NULL REFERENCES tracks(id),
  played_at   INTEGER NOT NULL
);
CREATE TABLE feedback(
  id          INTEGER PRIMARY KEY,
  listener_id TEXT NOT NULL REFERENCES listeners(id),
  track_id    INTEGER NOT NULL REFERENCES tracks(id),
  kind        TEXT NOT NULL CHECK (kind IN ('like', 'skip')),
  at          INTEGER NOT NULL
);
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
)sql",
    // 2: history lookups by listener.
    R"sql(
CREATE INDEX plays_listener_time ON plays(listener_id, played_at DESC);
CREATE INDEX feedback_listener ON feedback(listener_id);
)sql",
    // 3: retryable feedback (issue 11): a client's event id is stored once per listener.
    R"sql(
ALTER TABLE feedback ADD COLUMN event_id TEXT;
CREATE UNIQUE INDEX feedback_event ON feedback(listener_id, event_id) WHERE event_id IS NOT NULL;
)sql",
};
}  // namespace

int LatestSchemaVersion() { return static_cast<int>(std::size(kMigrations)); }

namespace internal {
Result<int> Migrate(sqlite3* db) {
  auto st = Stmt::Prepare(db, "PRAGMA user_version");
  if (!st.ok()) return st.status();
  if (st->Step() != SQLITE_ROW) return Status::Internal("cannot read user_version");
  int version = static_cast<int>(st->Int(0));
  if (version > LatestSchemaVersion())
    return Status::Unsupported("database schema " + std::to_string(version) +
                               " is newer than this build (" +
                               std::to_string(LatestSchemaVersion()) + ")");
  for (; version < LatestSchemaVersion(); ++version) {
    Transaction tx(db);
    MOODTUNE_RETURN_IF_ERROR(tx.Begin());
    MOODTUNE_RETURN_IF_ERROR(Exec(db, kMigrations[version]));
    const std::string bump = "PRAGMA user_version = " + std::to_string(version + 1);
    MOODTUNE_RETURN_IF_ERROR(Exec(db, bump.c_str()));
    MOODTUNE_RETURN_IF_ERROR(tx.Commit());
  }
  return version;
}
}  // namespace internal

}  // namespace moodtune::music
