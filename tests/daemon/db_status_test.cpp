// `bounced db status` looks without changing anything: on a database nobody migrated it lists
// every migration as pending (it used to refuse to open such a database), and after
// `bounced db migrate` none.
#include <catch2/catch.hpp>

#include "daemon_harness.hpp"
#include "pg_fixture.hpp"

using namespace bounced::test;

TEST_CASE("db status lists pending migrations and migrates nothing", "[daemon]") {
  TestDatabase database(false);
  TestDir dir;
  const std::vector<std::string> where = {"--state-dir", (dir.path() / "state").string(),
                                          "--database", database.conninfo()};
  auto command = [&](std::vector<std::string> args) {
    args.insert(args.end(), where.begin(), where.end());
    return run_bounced(args);
  };
  const Finished before = command({"db", "status"});
  INFO(before.output);
  CHECK(before.status == 0);
  CHECK(before.output.find("pending  001_core.sql") != std::string::npos);
  CHECK(before.output.find("run `bounced db migrate`") != std::string::npos);
  CHECK(database.scalar("SELECT to_regclass('schema_migrations') IS NULL") == "t");

  REQUIRE(command({"db", "migrate"}).status == 0);
  const Finished after = command({"db", "status"});
  CHECK(after.output.find("applied  001_core.sql") != std::string::npos);
  CHECK(after.output.find("pending") == std::string::npos);
  CHECK(after.output.find("schema is current") != std::string::npos);
}
