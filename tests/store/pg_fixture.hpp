// A real PostgreSQL server for the store tests: one cluster per test process (initdb + pg_ctl in
// a temporary directory, Unix socket only, run as `postgres` when the tests run as root), and a
// fresh, migrated database for each test.
#pragma once

#include <memory>
#include <string>

#include "database.hpp"
#include "embedded_cluster.hpp"

namespace bounced::test {

// The process-wide cluster, started on first use and removed at exit.
store::EmbeddedCluster& test_cluster();

class TestDatabase {
 public:
  // Creates a new database, applies the shipped migrations unless `migrate` is false.
  explicit TestDatabase(bool migrate = true);
  store::Database& db() { return *database_; }
  const std::string& conninfo() const { return conninfo_; }
  // Runs a query and returns the first column of the first row as text ("" if no row / NULL).
  std::string scalar(const std::string& sql);
  long count(const std::string& table_or_query);
  // A second connection, e.g. after the server was restarted.
  void reconnect();

 private:
  std::string conninfo_;
  std::unique_ptr<store::Database> database_;
};

// The value or a failed REQUIRE naming the StoreError.
template <typename T>
T expect_ok(store::Result<T>&& result);

}  // namespace bounced::test

#include "pg_fixture_impl.hpp"
