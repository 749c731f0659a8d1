#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "pg_fixture.hpp"

using namespace bounced;

TEST_CASE("migrate applies every migration once and a second run changes nothing",
          "[store][migrate]") {
  test::TestDatabase database(false);
  auto migrations = test::expect_ok(store::load_migrations(store::default_schema_dir()));
  REQUIRE(migrations.size() >= 1);
  auto first = test::expect_ok(database.db().migrate(migrations));
  CHECK(first.size() == migrations.size());
  const std::string tables_before = database.scalar(
      "SELECT string_agg(relname, ',' ORDER BY relname) FROM pg_class WHERE relnamespace = "
      "'public'::regnamespace");
  auto second = test::expect_ok(database.db().migrate(migrations));
  CHECK(second.empty());
  CHECK(database.scalar("SELECT string_agg(relname, ',' ORDER BY relname) FROM pg_class WHERE "
                        "relnamespace = 'public'::regnamespace") == tables_before);
  auto versions = test::expect_ok(database.db().applied_versions());
  CHECK(versions.size() == migrations.size());
}

TEST_CASE("monthly partitions are created on demand", "[store][migrate]") {
  test::TestDatabase database;
  database.scalar("SELECT bounced_ensure_month('sends', '2024-02-29 23:30:00+00')");
  database.scalar("SELECT bounced_ensure_month('sends', '2024-02-01 00:00:00+00')");
  CHECK(database.scalar("SELECT count(*) FROM pg_inherits WHERE inhparent = 'sends'::regclass") ==
        "1");
  CHECK(
      database.scalar(
          "SELECT pg_get_expr(relpartbound, oid) FROM pg_class WHERE relname = 'sends_2024_02'") ==
      "FOR VALUES FROM ('2024-02-01 00:00:00+00') TO ('2024-03-01 00:00:00+00')");
}

TEST_CASE("a duplicate migration number is refused", "[store][migrate]") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("bounced-mig-" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "001_a.sql") << "SELECT 1;";
  std::ofstream(dir / "001_b.sql") << "SELECT 2;";
  auto result = store::load_migrations(dir.string());
  fs::remove_all(dir);
  REQUIRE(std::holds_alternative<store::StoreError>(result));
  CHECK_THAT(std::get<store::StoreError>(result).message,
             Catch::Contains("two migrations numbered 1"));
}

TEST_CASE("sends carries only the indexes its writes and lookups use", "[store][migrate]") {
  // Every index on sends costs each imported or logged send an entry (006 dropped
  // sends_recipient; the recipient-and-time join uses sends_recipient_key).
  test::TestDatabase database;
  CHECK(database.scalar("SELECT string_agg(c.relname, ',' ORDER BY c.relname) FROM pg_index i"
                        " JOIN pg_class c ON c.oid = i.indexrelid"
                        " WHERE i.indrelid = 'sends'::regclass") ==
        "sends_message_id,sends_pkey,sends_queue_id,sends_recipient_key,"
        "sends_send_id_recipient_sent_at_key,sends_verp_token");
}
