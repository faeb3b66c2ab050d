// SQLite catalogue: tracks, listeners, plays and feedback, with schema migrations.
// Thread-safety: one Catalogue per thread (the SQLite handle is not shared); several
// processes may open the same file (WAL mode, busy timeout).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "moodtune/music/history_store.h"
#include "moodtune/music/recommender.h"
#include "moodtune/music/track.h"
#include "moodtune/status.h"

namespace moodtune::music {

struct CatalogueOptions {
  std::string path = ":memory:";     // SQLite file; parent folders are created
  int busy_timeout_ms = 5000;        // wait this long for another writer
  bool load_default_catalogue = true;  // seed assets/catalogue.csv into an empty database once
  int recent_plays = 20;             // History(): this many latest plays are excluded
};

struct AddReport {
  int inserted = 0;
  int duplicates = 0;  // same title + artists already present; left unchanged
};

// New mood coordinates for a stored track (catalog recheck --apply).
struct MoodUpdate {
  std::int64_t id = 0;
  float valence = 0.5f;   // 0..1
  float energy = 0.5f;    // 0..1
  std::string deezer_id;  // when not empty, stored with its track URL; "" keeps the old one
};

struct CatalogueStats {
  std::int64_t tracks = 0;
  std::int64_t listeners = 0;
  std::int64_t plays = 0;
  std::int64_t feedback = 0;
  std::map<std::string, std::int64_t> by_genre;
  std::map<std::string, std::int64_t> by_source;
  int schema_version = 0;
};

// The schema version this build migrates to.
int LatestSchemaVersion();

class Catalogue {
 public:
  // Opens or creates the database, applies pending migrations in one transaction each,
  // and seeds the default catalogue when asked and not done before. Unavailable when the
  // file cannot be opened; Internal on SQL failure.
  static Result<std::unique_ptr<Catalogue>> Open(const CatalogueOptions& o);
  ~Catalogue();
  Catalogue(const Catalogue&) = delete;
  Catalogue& operator=(const Catalogue&) = delete;

  int schema_version() const { return schema_version_; }

  // Inserts all tracks in one transaction: either all new rows land or none (any SQL error
  // rolls back). Duplicates (DedupKey) are counted and skipped. Validates valence/energy
  // in 0..1, non-empty title and artist (InvalidArgument, nothing written).
  Result<AddReport> AddTracks(std::span<const Track> tracks);

  // Applies all updates in one transaction: NotFound for an unknown id, InvalidArgument for
  // values outside 0..1; nothing is written on any error.
  Status SetMoods(std::span<const MoodUpdate> updates);

  Result<std::vector<Track>> AllTracks() const;
  Result<Track> GetTrack(std::int64_t id) const;
  Result<std::int64_t> TrackCount() const;

  // Listeners are created on first use.
  Status RecordPlay(std::string_view listener, std::int64_t track_id, std::int64_t unix_s);
  // A non-empty `event_id` is stored once per listener (see HistoryStore::RecordFeedback).
  Status RecordFeedback(std::string_view listener, std::int64_t track_id, FeedbackKind kind,
                        std::int64_t unix_s, std::string_view event_id = {});
  // Latest plays (CatalogueOptions::recent_plays) and all feedback of one listener.
  Result<ListenerHistory> History(std::string_view listener) const;

  // Raw history for HistoryStore (history_store.h). RecordPlays writes all rows in one
  // transaction (NotFound for an unknown track id, nothing written). RecentPlays: the
  // `limit` latest track ids, newest first. FeedbackOf: all feedback, oldest first.
  Status RecordPlays(std::string_view listener, std::span<const std::int64_t> track_ids,
                     std::int64_t unix_s);
  Result<std::vector<std::int64_t>> RecentPlays(std::string_view listener, int limit) const;
  Result<std::vector<FeedbackEvent>> FeedbackOf(std::string_view listener) const;

  Result<CatalogueStats> Stats() const;

 private:
  struct Impl;
  explicit Catalogue(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  int schema_version_ = 0;
};

// Parses the embedded default catalogue (assets/catalogue.csv) into tracks with search
// links and source "default". InvalidArgument names the first bad line.
Result<std::vector<Track>> DefaultCatalogueTracks();
// The raw embedded CSV text.
std::string_view DefaultCatalogueCsv();

}  // namespace moodtune::music
