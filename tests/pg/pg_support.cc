#include "pg_support.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <pqxx/pqxx>

namespace moodtune::testing {

std::string TestDatabaseUrl() {
  if (const char* url = std::getenv("MOODTUNE_TEST_DATABASE_URL"); url && *url) return url;
  if (const char* file = std::getenv("MOODTUNE_TEST_DATABASE_URL_FILE"); file && *file) {
    std::ifstream in(file);
    std::string url;
    if (std::getline(in, url) && !url.empty()) return url;
    ADD_FAILURE() << "cannot read the test database URL from " << file
                  << " (did the pg_server_start fixture run?)";
    return "";
  }
  ADD_FAILURE() << "set MOODTUNE_TEST_DATABASE_URL (or run through ctest, which starts a "
                   "server with scripts/pg_test_server.sh)";
  return "";
}

std::string WithDatabase(const std::string& url, const std::string& db) {
  const auto slash = url.rfind('/');
  const auto query = url.find('?', slash);
  return url.substr(0, slash + 1) + db + (query == std::string::npos ? "" : url.substr(query));
}

void AdminExec(const std::string& url, const std::string& sql) {
  pqxx::connection c(url);
  pqxx::nontransaction tx(c);
  tx.exec(sql);
}

std::string QueryScalar(const std::string& url, const std::string& sql) {
  pqxx::connection c(url);
  pqxx::nontransaction tx(c);
  auto r = tx.exec(sql);
  if (r.empty() || r[0][0].is_null()) return "";
  return r[0][0].c_str();
}

ScratchDatabase::ScratchDatabase() : admin_url_(TestDatabaseUrl()) {
  static std::atomic<int> counter{0};
  name_ = "mt_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
  url_ = WithDatabase(admin_url_, name_);
  if (admin_url_.empty()) return;
  try {
    AdminExec(admin_url_, "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
    AdminExec(admin_url_, "CREATE DATABASE " + name_);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "cannot create scratch database: " << e.what();
  }
}

void ScratchDatabase::Drop() {
  if (dropped_ || admin_url_.empty()) return;
  dropped_ = true;
  AdminExec(admin_url_, "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
}

ScratchDatabase::~ScratchDatabase() {
  try {
    Drop();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "cannot drop scratch database: " << e.what();
  }
}

}  // namespace moodtune::testing
