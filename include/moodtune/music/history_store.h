// Listener history (plays) and like/skip feedback: the only state moodtune replicas share.
// Two implementations behind one interface:
//   - SQLite: the existing plays/feedback tables of the local catalogue file (one machine);
//   - PostgreSQL (libpqxx): when a database_url is configured, so many `moodtune serve`
//     processes see one history. Tracks stay in each process's local SQLite catalogue; the
//     PostgreSQL tables hold track ids only, so every replica must use the same catalogue
//     (the embedded default, or the same imported file).
// Thread-safety: every HistoryStore method may be called concurrently from many threads
// (the SQLite store serialises on a mutex; the PostgreSQL store keeps a small connection pool).
// Errors: InvalidArgument for an empty listener; Unavailable when the database cannot be
// reached (connection refused, server gone, timeout): callers answer without history and say
// so; Internal for SQL failures; NotFound (SQLite only) for a track id not in the catalogue.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "moodtune/music/recommender.h"
#include "moodtune/music/track.h"
#include "moodtune/status.h"

namespace moodtune::music {

class Catalogue;

struct FeedbackEvent {
  std::int64_t track_id = 0;
  FeedbackKind kind = FeedbackKind::kLike;
  std::int64_t unix_s = 0;  // when it was given, seconds since the epoch
};

class HistoryStore {
 public:
  virtual ~HistoryStore() = default;

  // Records one play of each id, all at `unix_s`, in one transaction (all rows or none).
  // The listener is created on first use. An empty `track_ids` is a no-op.
  virtual Status RecordPlays(std::string_view listener, std::span<const std::int64_t> track_ids,
                             std::int64_t unix_s) = 0;
  // Track ids of the listener's `limit` latest plays, newest first (unknown listener: empty).
  virtual Result<std::vector<std::int64_t>> RecentPlays(std::string_view listener,
                                                        int limit) = 0;
  // `event_id` (optional, the client's id for this event, 1..64 of [A-Za-z0-9._-]) makes the
  // write retryable: a second write with the same listener and event id stores nothing and
  // succeeds (issue 11: a client's retry duplicated the row).
  virtual Status RecordFeedback(std::string_view listener, std::int64_t track_id,
                                FeedbackKind kind, std::int64_t unix_s,
                                std::string_view event_id = {}) = 0;
  // All feedback of the listener, oldest first (unknown listener: empty).
  virtual Result<std::vector<FeedbackEvent>> Feedback(std::string_view listener) = 0;

  // Where the history lives, for logs: "sqlite:PATH" or the URL with the password removed.
  virtual std::string Describe() const = 0;
};

struct HistoryStoreOptions {
  // PostgreSQL connection: postgresql://user:password@host:port/db[?..], postgres://..., or
  // libpq "key=value" text. Empty = the SQLite catalogue file.
  std::string database_url;
  int connect_timeout_s = 5;        // PostgreSQL: give up connecting after this (Unavailable)
  int statement_timeout_ms = 5000;  // PostgreSQL: server cancels slower statements (Unavailable)
  int pool_size = 4;                // PostgreSQL: idle connections kept open for reuse
};

// The SQLite store over the catalogue's own plays/feedback tables; takes ownership of the
// catalogue (its handle is then used only under the store's mutex).
std::unique_ptr<HistoryStore> NewSqliteHistoryStore(std::unique_ptr<Catalogue> catalogue);

// The PostgreSQL store for o.database_url. Does not connect: the first call connects and
// creates/migrates the schema (idempotent; concurrent first calls from many processes are
// serialised with an advisory lock). InvalidArgument for an empty URL; Unsupported when this
// build has no libpqxx.
Result<std::unique_ptr<HistoryStore>> NewPostgresHistoryStore(const HistoryStoreOptions& o);

// Whether this build can talk to PostgreSQL.
bool PostgresSupported();

// The PostgreSQL schema version this build migrates to.
int LatestPostgresSchemaVersion();

// `url` with any password replaced by "***" (URL userinfo and key=value "password=").
std::string RedactDatabaseUrl(std::string_view url);

// Pure: the recommender's view of a listener from raw history. Artists of feedback tracks
// come from `tracks` (feedback on ids missing there counts per track only).
ListenerHistory BuildHistory(std::span<const std::int64_t> recent_plays,
                             std::span<const FeedbackEvent> feedback,
                             std::span<const Track> tracks);

// Reads RecentPlays(listener, recent_plays) and Feedback(listener) and builds the history.
// Errors as the store gives them.
Result<ListenerHistory> LoadHistory(HistoryStore& store, std::string_view listener,
                                    int recent_plays, std::span<const Track> tracks);

}  // namespace moodtune::music
