#include "pg_fixture.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <pqxx/pqxx>

namespace bounced::test {

namespace fs = std::filesystem;

namespace {

struct ClusterHolder {
  std::string dir;
  std::unique_ptr<store::EmbeddedCluster> cluster;
  ~ClusterHolder() {
    cluster.reset();  // pg_ctl stop
    std::error_code error;
    fs::remove_all(dir, error);
  }
};

}  // namespace

store::EmbeddedCluster& test_cluster() {
  static ClusterHolder holder;
  if (!holder.cluster) {
    ClusterHolder& h = holder;
    char pattern[] = "/tmp/bounced-pg-XXXXXX";
    h.dir = mkdtemp(pattern);
    // /tmp is world-traversable, so the postgres user can reach the directory when we are root.
    store::EmbeddedClusterOptions options;
    options.directory = h.dir;
    options.unsafe_fast = true;
    auto started = store::EmbeddedCluster::start(options);
    if (auto* error = std::get_if<store::StoreError>(&started)) {
      FAIL("cannot start the test PostgreSQL cluster: " << error->to_string());
    }
    h.cluster = std::get<std::unique_ptr<store::EmbeddedCluster>>(std::move(started));
  }
  return *holder.cluster;
}

TestDatabase::TestDatabase(bool migrate) {
  static std::atomic<int> counter{0};
  store::EmbeddedCluster& cluster = test_cluster();
  const std::string name = "t" + std::to_string(getpid()) + "_" + std::to_string(++counter);
  {
    pqxx::connection admin(cluster.conninfo("postgres"));
    pqxx::nontransaction tx(admin);
    tx.exec("CREATE DATABASE " + tx.quote_name(name));
  }
  conninfo_ = cluster.conninfo(name);
  database_ = expect_ok(store::Database::connect(conninfo_));
  if (migrate) {
    auto migrations = expect_ok(store::load_migrations(store::default_schema_dir()));
    expect_ok(database_->migrate(migrations));
  }
}

void TestDatabase::reconnect() {
  database_ = expect_ok(store::Database::connect(conninfo_));
}

std::string TestDatabase::scalar(const std::string& sql) {
  pqxx::connection connection(conninfo_);
  pqxx::nontransaction tx(connection);
  tx.exec("SET TIME ZONE 'UTC'");
  auto result = tx.exec(sql);
  if (result.empty() || result[0][0].is_null()) return "";
  return result[0][0].c_str();
}

long TestDatabase::count(const std::string& table_or_query) {
  const bool query = table_or_query.find(' ') != std::string::npos;
  return std::stol(scalar(query ? "SELECT count(*) FROM (" + table_or_query + ") q"
                                : "SELECT count(*) FROM " + table_or_query));
}

}  // namespace bounced::test
