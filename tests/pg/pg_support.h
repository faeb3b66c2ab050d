// Helpers for the tests against a real PostgreSQL server (started by the ctest fixture
// `pg`, scripts/pg_test_server.sh). The server's URL comes from MOODTUNE_TEST_DATABASE_URL,
// or from the file named by MOODTUNE_TEST_DATABASE_URL_FILE (what ctest sets).
// Thread-safety: ScratchDatabase is not shared between threads.
#pragma once

#include <string>

namespace moodtune::testing {

// The fixture server's URL; fails the calling test (ADD_FAILURE) and returns "" when unset.
std::string TestDatabaseUrl();
// `url` with its database name replaced by `db` (URLs of the form ...:port/NAME).
std::string WithDatabase(const std::string& url, const std::string& db);
// Runs one SQL statement outside a transaction (CREATE/DROP DATABASE); throws on error.
void AdminExec(const std::string& url, const std::string& sql);
// Runs a query and returns the first column of the first row as text ("" when no row).
std::string QueryScalar(const std::string& url, const std::string& sql);

// A fresh, empty database on the fixture server, dropped (with its connections) on
// destruction, so tests can run in parallel and see no one else's schema.
class ScratchDatabase {
 public:
  ScratchDatabase();
  ~ScratchDatabase();
  ScratchDatabase(const ScratchDatabase&) = delete;
  ScratchDatabase& operator=(const ScratchDatabase&) = delete;
  const std::string& url() const { return url_; }
  const std::string& name() const { return name_; }
  // Drops it now (terminating its connections): what a vanished database looks like.
  void Drop();

 private:
  std::string admin_url_, name_, url_;
  bool dropped_ = false;
};

}  // namespace moodtune::testing
