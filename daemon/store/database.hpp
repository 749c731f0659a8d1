// A connection to the bounced database and the migrations runner. The schema lives in numbered
// files schema/NNN_name.sql; `migrate` applies the missing ones in one transaction and records
// each in schema_migrations, so running it twice changes nothing.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "store_error.hpp"

namespace bounced::store {

struct Migration {
  int version = 0;
  std::string name;  // file name
  std::string sql;
};

// Reads schema_dir/NNN_*.sql in version order. Duplicate versions are an error.
Result<std::vector<Migration>> load_migrations(const std::string& schema_dir);

class Database {
 public:
  // conninfo: a libpq key=value string or postgresql:// URI. The session runs in UTC.
  static Result<std::unique_ptr<Database>> connect(const std::string& conninfo);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Applies the migrations not yet recorded; returns the file names applied (empty: up to date).
  Result<std::vector<std::string>> migrate(const std::vector<Migration>& migrations);

  // Versions recorded in schema_migrations, ascending (empty when the table does not exist).
  Result<std::vector<int>> applied_versions();

  const std::string& conninfo() const { return conninfo_; }

  struct Impl;

 private:
  explicit Database(std::string conninfo);
  std::string conninfo_;
  std::unique_ptr<Impl> impl_;
  friend Impl& impl_of(Database&);
};

// Where the shipped schema lives (BOUNCED_SCHEMA_DIR, the source tree, or the installed copy).
std::string default_schema_dir();

}  // namespace bounced::store
