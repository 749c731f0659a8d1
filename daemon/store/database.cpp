#include "database.hpp"

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "pq.hpp"

namespace bounced::store {

namespace fs = std::filesystem;

struct Database::Impl {
  explicit Impl(const std::string& conninfo) : connection(conninfo) {}
  pqxx::connection connection;
};

Database::Impl& impl_of(Database& database) {
  return *database.impl_;
}

namespace detail {

pqxx::connection& connection(Database& database) {
  return impl_of(database).connection;
}

std::string pg_time(std::chrono::sys_seconds time) {
  const std::time_t t = time.time_since_epoch().count();
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[40];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%d %H:%M:%S+00", &tm);
  return buffer;
}

std::chrono::sys_seconds parse_pg_time(const std::string& text) {
  // The session runs in UTC, so timestamptz comes back as "YYYY-MM-DD HH:MM:SS[.ffffff]+00".
  std::tm tm{};
  if (!strptime(text.c_str(), "%Y-%m-%d %H:%M:%S", &tm)) return {};
  return std::chrono::sys_seconds(std::chrono::seconds(timegm(&tm)));
}

}  // namespace detail

Result<std::vector<Migration>> load_migrations(const std::string& schema_dir) {
  std::vector<Migration> migrations;
  static const std::regex name_pattern(R"((\d+)_[A-Za-z0-9_\-]+\.sql)");
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(schema_dir, error)) {
    const std::string name = entry.path().filename().string();
    std::smatch match;
    if (!std::regex_match(name, match, name_pattern)) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    migrations.push_back({std::stoi(match[1].str()), name, std::move(text).str()});
  }
  if (error) {
    return StoreError{StoreError::Kind::setup, schema_dir + ": " + error.message()};
  }
  std::sort(migrations.begin(), migrations.end(),
            [](const Migration& a, const Migration& b) { return a.version < b.version; });
  for (size_t i = 1; i < migrations.size(); ++i) {
    if (migrations[i].version == migrations[i - 1].version) {
      return StoreError{StoreError::Kind::setup, schema_dir + ": two migrations numbered " +
                                                     std::to_string(migrations[i].version) + ": " +
                                                     migrations[i - 1].name + ", " +
                                                     migrations[i].name};
    }
  }
  if (migrations.empty()) {
    return StoreError{StoreError::Kind::setup, schema_dir + ": no NNN_*.sql migrations found"};
  }
  return migrations;
}

Database::Database(std::string conninfo) : conninfo_(std::move(conninfo)) {}
Database::~Database() = default;

Result<std::unique_ptr<Database>> Database::connect(const std::string& conninfo) {
  try {
    std::unique_ptr<Database> database(new Database(conninfo));
    database->impl_ = std::make_unique<Impl>(conninfo);
    // Partition bounds, daily views and printed times are all UTC.
    database->impl_->connection.set_variable("TimeZone", "'UTC'");
    // No JIT compilation: bounced's statements are per-batch index probes and writes whose cost
    // estimates run high while a month or a staging table has no statistics yet (a fresh
    // partition, a temp table), and then JIT spent 1.4-2 s compiling a probe that ran in 0.15 s
    // (maillog: 6 of 50 batches, a third of the server's time). The gain it can bring, on
    // long scans of the listings, is far smaller than that.
    database->impl_->connection.set_variable("jit", "off");
    return database;
  } catch (const pqxx::broken_connection& error) {
    return StoreError{StoreError::Kind::connection, error.what()};
  } catch (const pqxx::failure& error) {
    return StoreError{StoreError::Kind::connection, error.what()};
  }
}

Result<std::vector<int>> Database::applied_versions() {
  std::vector<int> versions;
  Status status = detail::in_transaction(*this, [&](pqxx::work& tx) {
    if (tx.exec("SELECT to_regclass('schema_migrations') IS NULL")[0][0].as<bool>()) return;
    for (const auto& row : tx.exec("SELECT version FROM schema_migrations ORDER BY version")) {
      versions.push_back(row[0].as<int>());
    }
  });
  if (!ok(status)) return std::get<StoreError>(status);
  return versions;
}

Result<std::vector<std::string>> Database::migrate(const std::vector<Migration>& migrations) {
  std::vector<std::string> applied;
  Status status = detail::in_transaction(*this, [&](pqxx::work& tx) {
    // CREATE TABLE IF NOT EXISTS is not safe against itself: two processes migrating a fresh
    // database at once collide on the catalog's unique index. One at a time, then.
    tx.exec("SELECT pg_advisory_xact_lock(hashtext('bounced schema_migrations'))");
    tx.exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version integer PRIMARY KEY, name text NOT NULL,"
        " applied_at timestamptz NOT NULL DEFAULT now())");
    // Two bounced processes starting together must not both apply 001: the second waits here
    // and then sees the first one's rows.
    tx.exec("LOCK TABLE schema_migrations IN EXCLUSIVE MODE");
    std::vector<int> done;
    for (const auto& row : tx.exec("SELECT version FROM schema_migrations")) {
      done.push_back(row[0].as<int>());
    }
    for (const auto& migration : migrations) {
      if (std::find(done.begin(), done.end(), migration.version) != done.end()) continue;
      tx.exec(migration.sql);
      tx.exec_params("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                     migration.version, migration.name);
      applied.push_back(migration.name);
    }
  });
  if (!ok(status)) {
    applied.clear();
    return std::get<StoreError>(status);
  }
  return applied;
}

std::string default_schema_dir() {
  if (const char* dir = std::getenv("BOUNCED_SCHEMA_DIR"); dir && *dir) return dir;
  const fs::path source = fs::path(BOUNCED_SOURCE_DIR) / "schema";
  if (fs::is_directory(source)) return source.string();
  return (fs::path(BOUNCED_INSTALLED_DATA_DIR) / "schema").string();
}

}  // namespace bounced::store
