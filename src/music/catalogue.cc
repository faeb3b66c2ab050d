#include "moodtune/music/catalogue.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "csv.h"
#include "sqlite_util.h"

namespace moodtune::music {
using internal::Exec;
using internal::SplitList;
using internal::Stmt;
using internal::Transaction;

struct Catalogue::Impl {
  internal::SqlDb db{nullptr, &sqlite3_close};
  CatalogueOptions options;
};

namespace {
constexpr const char* kTrackColumns =
    "id, title, artists, album, genre, year, valence, energy, moods, spotify_url, deezer_url, "
    "preview_url, spotify_id, deezer_id, source";

Track RowToTrack(const Stmt& s) {
  Track t;
  t.id = s.Int(0);
  t.title = s.Text(1);
  t.artists = SplitList(s.Text(2));
  t.album = s.Text(3);
  t.genre = s.Text(4);
  t.year = static_cast<int>(s.Int(5));
  t.valence = static_cast<float>(s.Real(6));
  t.energy = static_cast<float>(s.Real(7));
  t.moods = SplitList(s.Text(8));
  t.spotify_url = s.Text(9);
  t.deezer_url = s.Text(10);
  t.preview_url = s.Text(11);
  t.spotify_id = s.Text(12);
  t.deezer_id = s.Text(13);
  t.source = s.Text(14);
  return t;
}

std::string Join(const std::vector<std::string>& v) { return JoinArtists(v, ";"); }

Status Validate(const Track& t, size_t index) {
  const std::string where = "track " + std::to_string(index + 1) + " ('" + t.title + "')";
  if (t.title.empty()) return Status::InvalidArgument(where + ": empty title");
  if (t.artists.empty() || t.artists[0].empty())
    return Status::InvalidArgument(where + ": no artist");
  if (!(t.valence >= 0 && t.valence <= 1) || !(t.energy >= 0 && t.energy <= 1))
    return Status::InvalidArgument(where + ": valence/energy outside 0..1");
  return Status::Ok();
}

Result<std::int64_t> ScalarInt(sqlite3* db, const char* sql) {
  auto st = Stmt::Prepare(db, sql);
  if (!st.ok()) return st.status();
  if (st->Step() != SQLITE_ROW) return Status::Internal(sqlite3_errmsg(db));
  return st->Int(0);
}

Status EnsureListener(sqlite3* db, std::string_view listener, std::int64_t now) {
  if (listener.empty()) return Status::InvalidArgument("empty listener id");
  auto st = Stmt::Prepare(db, "INSERT OR IGNORE INTO listeners(id, created_at) VALUES(?, ?)");
  if (!st.ok()) return st.status();
  st->Bind(1, listener);
  st->Bind(2, now);
  if (st->Step() != SQLITE_DONE) return Status::Internal(sqlite3_errmsg(db));
  return Status::Ok();
}
}  // namespace

Catalogue::Catalogue(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Catalogue::~Catalogue() = default;

Result<std::unique_ptr<Catalogue>> Catalogue::Open(const CatalogueOptions& o) {
  const bool in_memory = o.path == ":memory:" || o.path.empty();
  if (!in_memory) {
    std::error_code ec;
    const auto parent = std::filesystem::path(o.path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    if (ec) return Status::Unavailable("cannot create " + parent.string() + ": " + ec.message());
  }
  auto impl = std::make_unique<Impl>();
  impl->options = o;
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(in_memory ? ":memory:" : o.path.c_str(), &raw,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  impl->db.reset(raw);  // sqlite3_open_v2 may allocate a handle even on failure
  if (rc != SQLITE_OK) {
    // SQLite says only "unable to open database file": name the cause the OS gives.
    std::string cause = raw ? sqlite3_errmsg(raw) : "out of memory";
    if (!in_memory) {
      const auto file = std::filesystem::path(o.path);
      const auto dir = file.parent_path().empty() ? std::filesystem::path(".") : file.parent_path();
      std::error_code ec;  // exists() without ec throws on EACCES: never let it escape
      const auto& probe = std::filesystem::exists(file, ec) ? file : dir;
      if (::access(probe.c_str(), W_OK) != 0)
        cause += " (" + probe.string() + ": " + std::strerror(errno) + ")";
    }
    return Status::Unavailable("cannot open the catalogue " + o.path + ": " + cause);
  }
  sqlite3* db = impl->db.get();
  sqlite3_busy_timeout(db, o.busy_timeout_ms);
  // WAL lets the CLI read while the server writes; :memory: silently stays "memory".
  MOODTUNE_RETURN_IF_ERROR(Exec(db, "PRAGMA journal_mode=WAL"));
  MOODTUNE_RETURN_IF_ERROR(Exec(db, "PRAGMA synchronous=NORMAL"));
  MOODTUNE_RETURN_IF_ERROR(Exec(db, "PRAGMA foreign_keys=ON"));
  auto version = internal::Migrate(db);
  if (!version.ok()) return version.status();

  std::unique_ptr<Catalogue> cat(new Catalogue(std::move(impl)));
  cat->schema_version_ = *version;
  if (o.load_default_catalogue) {
    auto seeded = ScalarInt(db, "SELECT count(*) FROM meta WHERE key = 'default_catalogue'");
    if (!seeded.ok()) return seeded.status();
    if (*seeded == 0) {
      auto tracks = DefaultCatalogueTracks();
      if (!tracks.ok()) return tracks.status();
      auto added = cat->AddTracks(*tracks);
      if (!added.ok()) return added.status();
      MOODTUNE_RETURN_IF_ERROR(Exec(
          db, "INSERT OR REPLACE INTO meta(key, value) VALUES('default_catalogue', 'loaded')"));
    }
  }
  return cat;
}

Result<AddReport> Catalogue::AddTracks(std::span<const Track> tracks) {
  for (size_t i = 0; i < tracks.size(); ++i) MOODTUNE_RETURN_IF_ERROR(Validate(tracks[i], i));
  sqlite3* db = impl_->db.get();
  Transaction tx(db);
  MOODTUNE_RETURN_IF_ERROR(tx.Begin());
  auto st = Stmt::Prepare(
      db,
      "INSERT INTO tracks(title, artists, album, genre, year, valence, energy, moods, "
      "spotify_url, deezer_url, preview_url, spotify_id, deezer_id, source, dedup_key) "
      "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(dedup_key) DO NOTHING");
  if (!st.ok()) return st.status();
  AddReport report;
  for (const Track& t : tracks) {
    st->Reset();
    st->Bind(1, t.title);
    st->Bind(2, Join(t.artists));
    st->Bind(3, t.album);
    st->Bind(4, NormalizeGenre(t.genre));
    st->Bind(5, static_cast<std::int64_t>(t.year));
    st->Bind(6, static_cast<double>(t.valence));
    st->Bind(7, static_cast<double>(t.energy));
    st->Bind(8, Join(t.moods));
    st->Bind(9, t.spotify_url);
    st->Bind(10, t.deezer_url);
    st->Bind(11, t.preview_url);
    st->Bind(12, t.spotify_id);
    st->Bind(13, t.deezer_id);
    st->Bind(14, t.source);
    st->Bind(15, DedupKey(t));
    if (st->Step() != SQLITE_DONE) return Status::Internal(sqlite3_errmsg(db));
    if (sqlite3_changes(db) > 0)
      ++report.inserted;
    else
      ++report.duplicates;
  }
  MOODTUNE_RETURN_IF_ERROR(tx.Commit());
  return report;
}

Status Catalogue::SetMoods(std::span<const MoodUpdate> updates) {
  for (const MoodUpdate& u : updates)
    if (!(u.valence >= 0 && u.valence <= 1) || !(u.energy >= 0 && u.energy <= 1))
      return Status::InvalidArgument("track " + std::to_string(u.id) +
                                     ": valence/energy outside 0..1");
  sqlite3* db = impl_->db.get();
  Transaction tx(db);
  MOODTUNE_RETURN_IF_ERROR(tx.Begin());
  auto st = Stmt::Prepare(
      db,
      "UPDATE tracks SET valence = ?, energy = ?, "
      "deezer_id = CASE WHEN ?3 = '' THEN deezer_id ELSE ?3 END, "
      "deezer_url = CASE WHEN ?3 = '' THEN deezer_url ELSE ?4 END WHERE id = ?5");
  if (!st.ok()) return st.status();
  for (const MoodUpdate& u : updates) {
    st->Reset();
    st->Bind(1, static_cast<double>(u.valence));
    st->Bind(2, static_cast<double>(u.energy));
    st->Bind(3, u.deezer_id);
    st->Bind(4, u.deezer_id.empty() ? std::string() : DeezerTrackUrl(u.deezer_id));
    st->Bind(5, u.id);
    if (st->Step() != SQLITE_DONE) return Status::Internal(sqlite3_errmsg(db));
    if (sqlite3_changes(db) == 0) return Status::NotFound("no track " + std::to_string(u.id));
  }
  return tx.Commit();
}

Result<std::vector<Track>> Catalogue::AllTracks() const {
  auto st = Stmt::Prepare(impl_->db.get(),
                          std::string("SELECT ") + kTrackColumns + " FROM tracks ORDER BY id");
  if (!st.ok()) return st.status();
  std::vector<Track> out;
  int rc;
  while ((rc = st->Step()) == SQLITE_ROW) out.push_back(RowToTrack(*st));
  if (rc != SQLITE_DONE) return Status::Internal(sqlite3_errmsg(impl_->db.get()));
  return out;
}

Result<Track> Catalogue::GetTrack(std::int64_t id) const {
  auto st = Stmt::Prepare(impl_->db.get(),
                          std::string("SELECT ") + kTrackColumns + " FROM tracks WHERE id = ?");
  if (!st.ok()) return st.status();
  st->Bind(1, id);
  if (st->Step() != SQLITE_ROW) return Status::NotFound("no track " + std::to_string(id));
  return RowToTrack(*st);
}

Result<std::int64_t> Catalogue::TrackCount() const {
  return ScalarInt(impl_->db.get(), "SELECT count(*) FROM tracks");
}

Status Catalogue::RecordPlay(std::string_view listener, std::int64_t track_id,
                             std::int64_t unix_s) {
  auto track = GetTrack(track_id);
  if (!track.ok()) return track.status();
  sqlite3* db = impl_->db.get();
  MOODTUNE_RETURN_IF_ERROR(EnsureListener(db, listener, unix_s));
  auto st = Stmt::Prepare(db, "INSERT INTO plays(listener_id, track_id, played_at) VALUES(?,?,?)");
  if (!st.ok()) return st.status();
  st->Bind(1, listener);
  st->Bind(2, track_id);
  st->Bind(3, unix_s);
  if (st->Step() != SQLITE_DONE) return Status::Internal(sqlite3_errmsg(db));
  return Status::Ok();
}

Status Catalogue::RecordFeedback(std::string_view listener, std::int64_t track_id,
                                 FeedbackKind kind, std::int64_t unix_s,
                                 std::string_view event_id) {
  auto track = GetTrack(track_id);
  if (!track.ok()) return track.status();
  sqlite3* db = impl_->db.get();
  MOODTUNE_RETURN_IF_ERROR(EnsureListener(db, listener, unix_s));
  // A repeated (listener, event_id) hits the unique index and stores nothing (migration 3).
  auto st = Stmt::Prepare(db,
                          "INSERT INTO feedback(listener_id, track_id, kind, at, event_id) "
                          "VALUES(?,?,?,?,NULLIF(?, '')) ON CONFLICT DO NOTHING");
  if (!st.ok()) return st.status();
  st->Bind(1, listener);
  st->Bind(2, track_id);
  st->Bind(3, FeedbackName(kind));
  st->Bind(4, unix_s);
  st->Bind(5, event_id);
  if (st->Step() != SQLITE_DONE) return Status::Internal(sqlite3_errmsg(db));
  return Status::Ok();
}

Result<ListenerHistory> Catalogue::History(std::string_view listener) const {
  sqlite3* db = impl_->db.get();
  ListenerHistory h;
  auto plays = Stmt::Prepare(db,
                             "SELECT track_id FROM plays WHERE listener_id = ? "
                             "ORDER BY played_at DESC, id DESC LIMIT ?");
  if (!plays.ok()) return plays.status();
  plays->Bind(1, listener);
  plays->Bind(2, static_cast<std::int64_t>(impl_->options.recent_plays));
  while (plays->Step() == SQLITE_ROW) h.recent_track_ids.insert(plays->Int(0));

  auto fb = Stmt::Prepare(db,
                          "SELECT f.track_id, f.kind, t.artists FROM feedback f "
                          "JOIN tracks t ON t.id = f.track_id WHERE f.listener_id = ?");
  if (!fb.ok()) return fb.status();
  fb->Bind(1, listener);
  while (fb->Step() == SQLITE_ROW) {
    const bool like = fb->Text(1) == "like";
    auto& c = h.by_track[fb->Int(0)];
    (like ? c.likes : c.skips)++;
    for (const auto& a : SplitList(fb->Text(2))) h.by_artist[internal::ToLower(a)] += like ? 1 : -1;
  }
  return h;
}

Status Catalogue::RecordPlays(std::string_view listener, std::span<const std::int64_t> track_ids,
                              std::int64_t unix_s) {
  if (listener.empty()) return Status::InvalidArgument("empty listener id");
  if (track_ids.empty()) return Status::Ok();
  sqlite3* db = impl_->db.get();
  Transaction tx(db);
  MOODTUNE_RETURN_IF_ERROR(tx.Begin());
  MOODTUNE_RETURN_IF_ERROR(EnsureListener(db, listener, unix_s));
  auto st = Stmt::Prepare(db, "INSERT INTO plays(listener_id, track_id, played_at) VALUES(?,?,?)");
  if (!st.ok()) return st.status();
  for (std::int64_t id : track_ids) {
    // The foreign key would reject it too, but as Internal; callers want NotFound.
    auto track = GetTrack(id);
    if (!track.ok()) return track.status();
    st->Reset();
    st->Bind(1, listener);
    st->Bind(2, id);
    st->Bind(3, unix_s);
    if (st->Step() != SQLITE_DONE) return Status::Internal(sqlite3_errmsg(db));
  }
  return tx.Commit();
}

Result<std::vector<std::int64_t>> Catalogue::RecentPlays(std::string_view listener,
                                                         int limit) const {
  sqlite3* db = impl_->db.get();
  auto st = Stmt::Prepare(db,
                          "SELECT track_id FROM plays WHERE listener_id = ? "
                          "ORDER BY played_at DESC, id DESC LIMIT ?");
  if (!st.ok()) return st.status();
  st->Bind(1, listener);
  st->Bind(2, static_cast<std::int64_t>(limit < 0 ? 0 : limit));
  std::vector<std::int64_t> out;
  int rc;
  while ((rc = st->Step()) == SQLITE_ROW) out.push_back(st->Int(0));
  if (rc != SQLITE_DONE) return Status::Internal(sqlite3_errmsg(db));
  return out;
}

Result<std::vector<FeedbackEvent>> Catalogue::FeedbackOf(std::string_view listener) const {
  sqlite3* db = impl_->db.get();
  auto st = Stmt::Prepare(db,
                          "SELECT track_id, kind, at FROM feedback WHERE listener_id = ? "
                          "ORDER BY at, id");
  if (!st.ok()) return st.status();
  st->Bind(1, listener);
  std::vector<FeedbackEvent> out;
  int rc;
  while ((rc = st->Step()) == SQLITE_ROW)
    out.push_back({st->Int(0), st->Text(1) == "like" ? FeedbackKind::kLike : FeedbackKind::kSkip,
                   st->Int(2)});
  if (rc != SQLITE_DONE) return Status::Internal(sqlite3_errmsg(db));
  return out;
}

Result<CatalogueStats> Catalogue::Stats() const {
  sqlite3* db = impl_->db.get();
  CatalogueStats s;
  s.schema_version = schema_version_;
  struct {
    const char* sql;
    std::int64_t* out;
  } counts[] = {{"SELECT count(*) FROM tracks", &s.tracks},
                {"SELECT count(*) FROM listeners", &s.listeners},
                {"SELECT count(*) FROM plays", &s.plays},
                {"SELECT count(*) FROM feedback", &s.feedback}};
  for (auto& c : counts) {
    auto v = ScalarInt(db, c.sql);
    if (!v.ok()) return v.status();
    *c.out = *v;
  }
  for (auto [sql, map] :
       {std::pair{"SELECT genre, count(*) FROM tracks GROUP BY genre", &s.by_genre},
        std::pair{"SELECT source, count(*) FROM tracks GROUP BY source", &s.by_source}}) {
    auto st = Stmt::Prepare(db, sql);
    if (!st.ok()) return st.status();
    while (st->Step() == SQLITE_ROW) (*map)[st->Text(0)] = st->Int(1);
  }
  return s;
}

}  // namespace moodtune::music
