// PostgreSQL HistoryStore (libpqxx 6). Every libpqxx throw is caught here and becomes a
// Status: connection trouble is Unavailable (the server then answers without history), SQL
// trouble Internal. Connections are pooled; a pooled connection found dead (database
// restarted) is replaced once, transparently, before giving up.
#include <pqxx/pqxx>

#include <atomic>
#include <mutex>
#include <stdexcept>
#include <optional>
#include <string>
#include <vector>

#include "moodtune/music/history_store.h"

namespace moodtune::music {
namespace {

// Append new steps; never edit a shipped one. moodtune_schema.version = steps applied.
constexpr const char* kPgMigrations[] = {
    // 1: core tables. Track ids refer to the local SQLite catalogue (no foreign key).
    R"sql(
CREATE TABLE listeners(
  id         TEXT PRIMARY KEY,
  created_at BIGINT NOT NULL
);
CREATE TABLE plays(
  id          BIGSERIAL PRIMARY KEY,
  listener_id TEXT NOT NULL REFERENCES listeners(id),
  track_id    BIGINT NOT NULL,
  played_at   BIGINT NOT NULL
);
CREATE INDEX plays_listener_time ON plays(listener_id, played_at DESC, id DESC);
CREATE TABLE feedback(
  id          BIGSERIAL PRIMARY KEY,
  listener_id TEXT NOT NULL REFERENCES listeners(id),
  track_id    BIGINT NOT NULL,
  kind        TEXT NOT NULL CHECK (kind IN ('like', 'skip')),
  at          BIGINT NOT NULL
);
CREATE INDEX feedback_listener ON feedback(listener_id, at, id);
)sql",
    // 2: retryable feedback (issue 11): a client's event id is stored once per listener.
    R"sql(
ALTER TABLE feedback ADD COLUMN event_id TEXT;
CREATE UNIQUE INDEX feedback_event ON feedback(listener_id, event_id) WHERE event_id IS NOT NULL;
)sql",
};

// The database holds a newer schema than this build knows.
struct SchemaTooNew : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Serialises schema migration across processes (pg_advisory_xact_lock key).
constexpr long long kMigrationLockKey = 0x6d6f6f6474756e65LL;  // "moodtune"

std::string WithConnectTimeout(const std::string& url, int seconds) {
  const std::string t = std::to_string(seconds < 1 ? 1 : seconds);
  if (url.find("connect_timeout") != std::string::npos) return url;
  if (url.find("://") != std::string::npos)
    return url + (url.find('?') == std::string::npos ? "?" : "&") + "connect_timeout=" + t;
  return url + " connect_timeout=" + t;
}

// SQLSTATE classes that mean "the database is not there right now": 08 connection
// exception, 53 insufficient resources, 57 operator intervention (shutdown, statement
// timeout/cancel), 58 system error.
bool IsTransient(const std::string& sqlstate) {
  const std::string c = sqlstate.substr(0, 2);
  return c == "08" || c == "53" || c == "57" || c == "58";
}

// Strips anything after the first line: libpq messages end in newlines and may quote SQL.
std::string FirstLine(const char* what) {
  std::string s(what);
  const auto nl = s.find('\n');
  return nl == std::string::npos ? s : s.substr(0, nl);
}

class PostgresHistoryStore final : public HistoryStore {
 public:
  explicit PostgresHistoryStore(const HistoryStoreOptions& o)
      : options_(o), conninfo_(WithConnectTimeout(o.database_url, o.connect_timeout_s)) {}

  Status RecordPlays(std::string_view listener, std::span<const std::int64_t> track_ids,
                     std::int64_t unix_s) override {
    if (listener.empty()) return Status::InvalidArgument("empty listener id");
    if (track_ids.empty()) return Status::Ok();
    const std::string who(listener);
    const std::vector<std::int64_t> ids(track_ids.begin(), track_ids.end());
    return Run("record plays", [&](pqxx::connection& c) {
      pqxx::work tx(c);
      EnsureListener(tx, who, unix_s);
      for (std::int64_t id : ids)
        tx.exec_params("INSERT INTO plays(listener_id, track_id, played_at) VALUES($1, $2, $3)",
                       who, id, unix_s);
      tx.commit();
    });
  }

  Result<std::vector<std::int64_t>> RecentPlays(std::string_view listener, int limit) override {
    std::vector<std::int64_t> out;
    const std::string who(listener);
    Status s = Run("read plays", [&](pqxx::connection& c) {
      out.clear();
      pqxx::read_transaction tx(c);
      auto r = tx.exec_params(
          "SELECT track_id FROM plays WHERE listener_id = $1 "
          "ORDER BY played_at DESC, id DESC LIMIT $2",
          who, limit < 0 ? 0 : limit);
      for (const auto& row : r) out.push_back(row[0].as<std::int64_t>());
    });
    if (!s.ok()) return s;
    return out;
  }

  Status RecordFeedback(std::string_view listener, std::int64_t track_id, FeedbackKind kind,
                        std::int64_t unix_s, std::string_view event_id) override {
    if (listener.empty()) return Status::InvalidArgument("empty listener id");
    const std::string who(listener);
    const std::string k(FeedbackName(kind));
    const std::string event(event_id);
    return Run("record feedback", [&](pqxx::connection& c) {
      pqxx::work tx(c);
      EnsureListener(tx, who, unix_s);
      // A repeated (listener, event_id) hits the unique index and stores nothing (migration 2).
      tx.exec_params(
          "INSERT INTO feedback(listener_id, track_id, kind, at, event_id) "
          "VALUES($1,$2,$3,$4,NULLIF($5, '')) ON CONFLICT DO NOTHING",
          who, track_id, k, unix_s, event);
      tx.commit();
    });
  }

  Result<std::vector<FeedbackEvent>> Feedback(std::string_view listener) override {
    std::vector<FeedbackEvent> out;
    const std::string who(listener);
    Status s = Run("read feedback", [&](pqxx::connection& c) {
      out.clear();
      pqxx::read_transaction tx(c);
      auto r = tx.exec_params(
          "SELECT track_id, kind, at FROM feedback WHERE listener_id = $1 ORDER BY at, id", who);
      for (const auto& row : r)
        out.push_back({row[0].as<std::int64_t>(),
                       row[1].as<std::string>() == "like" ? FeedbackKind::kLike
                                                          : FeedbackKind::kSkip,
                       row[2].as<std::int64_t>()});
    });
    if (!s.ok()) return s;
    return out;
  }

  std::string Describe() const override { return RedactDatabaseUrl(options_.database_url); }

 private:
  using Conn = std::unique_ptr<pqxx::connection>;

  static void EnsureListener(pqxx::work& tx, const std::string& who, std::int64_t now) {
    tx.exec_params("INSERT INTO listeners(id, created_at) VALUES($1, $2) ON CONFLICT DO NOTHING",
                   who, now);
  }

  Conn Connect() {
    auto c = std::make_unique<pqxx::connection>(conninfo_);
    pqxx::nontransaction n(*c);
    n.exec("SET statement_timeout = " + std::to_string(options_.statement_timeout_ms));
    n.exec("SET application_name = 'moodtune'");
    n.exec("SET client_min_messages = warning");  // no NOTICE lines from IF NOT EXISTS on stderr
    return c;
  }

  // Creates/migrates the schema in one transaction under an advisory lock, so replicas
  // starting together neither race on CREATE TABLE nor apply a step twice.
  void Migrate(pqxx::connection& c) {
    pqxx::work tx(c);
    tx.exec_params("SELECT pg_advisory_xact_lock($1)", kMigrationLockKey);
    tx.exec("CREATE TABLE IF NOT EXISTS moodtune_schema(version INTEGER NOT NULL)");
    auto r = tx.exec("SELECT version FROM moodtune_schema");
    int version = 0;
    if (r.empty()) tx.exec("INSERT INTO moodtune_schema(version) VALUES(0)");
    else version = r[0][0].as<int>();
    const int latest = LatestPostgresSchemaVersion();
    if (version > latest)
      throw SchemaTooNew("database schema " + std::to_string(version) +
                             " is newer than this build (" + std::to_string(latest) + ")");
    for (; version < latest; ++version) tx.exec(kPgMigrations[version]);
    tx.exec_params("UPDATE moodtune_schema SET version = $1", version);
    tx.commit();
  }

  // Runs `fn` on a pooled (or new) connection, mapping every throw to a Status.
  template <typename Fn>
  Status Run(const char* what, Fn&& fn) {
    for (int attempt = 0; attempt < 2; ++attempt) {
      Conn c;
      bool pooled = false;
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (!idle_.empty()) {
          c = std::move(idle_.back());
          idle_.pop_back();
          pooled = true;
        }
      }
      try {
        if (!c) c = Connect();
        if (!migrated_) {
          std::lock_guard<std::mutex> lock(migrate_mu_);
          if (!migrated_) {
            Migrate(*c);
            migrated_ = true;
          }
        }
        fn(*c);
        Release(std::move(c));
        return Status::Ok();
      } catch (const pqxx::in_doubt_error& e) {
        // The commit may or may not have landed: never retry a write.
        return Status::Unavailable(std::string("postgresql ") + what +
                                   ": commit outcome unknown: " + FirstLine(e.what()));
      } catch (const pqxx::broken_connection& e) {
        if (pooled) continue;  // an idle connection died (server restart): try a fresh one
        return Status::Unavailable(std::string("postgresql unavailable (") + what +
                                   "): " + FirstLine(e.what()));
      } catch (const pqxx::undefined_table& e) {
        // Tables gone (database re-created under us): migrate again, once.
        migrated_ = false;
        if (attempt == 0) continue;
        return Status::Internal(std::string("postgresql ") + what + ": " + FirstLine(e.what()));
      } catch (const pqxx::sql_error& e) {
        if (IsTransient(e.sqlstate()))
          return Status::Unavailable(std::string("postgresql unavailable (") + what +
                                     "): " + FirstLine(e.what()));
        // The transaction rolled back; the connection is dropped rather than pooled.
        return Status::Internal(std::string("postgresql ") + what + ": " + FirstLine(e.what()));
      } catch (const SchemaTooNew& e) {
        return Status::Unsupported(std::string("postgresql: ") + e.what());
      } catch (const std::exception& e) {
        return Status::Internal(std::string("postgresql ") + what + ": " + FirstLine(e.what()));
      }
    }
    return Status::Unavailable(std::string("postgresql unavailable (") + what + ")");
  }

  void Release(Conn c) {
    if (!c || !c->is_open()) return;
    std::lock_guard<std::mutex> lock(mu_);
    if (static_cast<int>(idle_.size()) < options_.pool_size) idle_.push_back(std::move(c));
  }

  const HistoryStoreOptions options_;
  const std::string conninfo_;  // holds the password: never logged
  std::mutex mu_;               // guards idle_
  std::vector<Conn> idle_;
  std::mutex migrate_mu_;
  std::atomic<bool> migrated_{false};
};

}  // namespace

bool PostgresSupported() { return true; }

int LatestPostgresSchemaVersion() { return static_cast<int>(std::size(kPgMigrations)); }

Result<std::unique_ptr<HistoryStore>> NewPostgresHistoryStore(const HistoryStoreOptions& o) {
  if (o.database_url.empty()) return Status::InvalidArgument("empty database_url");
  if (o.pool_size < 0 || o.connect_timeout_s < 1 || o.statement_timeout_ms < 0)
    return Status::InvalidArgument("bad PostgreSQL pool/timeout options");
  return std::unique_ptr<HistoryStore>(new PostgresHistoryStore(o));
}

}  // namespace moodtune::music
