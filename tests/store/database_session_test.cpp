#include <catch2/catch.hpp>

#include "pg_fixture.hpp"
#include "pq.hpp"  // the store's own connection, which the fixture's scalar() does not use

using namespace bounced;

TEST_CASE("a store connection does not JIT-compile its statements", "[store][session]") {
  // PostgreSQL compiles a plan whose estimated cost passes jit_above_cost; a batch's probe into
  // a month without statistics yet passed it and spent ~1.5 s compiling a 0.15 s statement.
  test::TestDatabase database;
  // The server would (jit = on is PostgreSQL's default): the connection turns it off.
  CHECK(database.scalar("SHOW jit") == "on");
  std::string jit;
  REQUIRE(store::ok(store::detail::in_transaction(
      database.db(), [&](pqxx::work& tx) { jit = tx.exec("SHOW jit")[0][0].c_str(); })));
  CHECK(jit == "off");
}
