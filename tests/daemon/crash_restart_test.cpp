// SIGKILL in the middle of the work, then a restart: the mail the dead process had claimed is
// taken back (its pid no longer runs), a batch that committed but was not yet acknowledged is
// replayed without inserting anything, and in the end every message is stored exactly once and
// filed exactly once.
#include <signal.h>

#include <catch2/catch.hpp>

#include "daemon_harness.hpp"
#include "pg_fixture.hpp"

using namespace bounced::test;

TEST_CASE("a daemon killed mid-batch and restarted stores every message exactly once", "[daemon]") {
  TestDatabase database;
  TestDir dir;
  const fs::path maildir = dir.path() / "Maildir";
  make_maildir(maildir);
  constexpr size_t kMessages = 3000;
  for (size_t i = 0; i < kMessages; ++i)
    deliver(maildir, "m." + std::to_string(i), unique_bounce(i));
  const fs::path config =
      write_daemon_config(dir.path(), database.conninfo(), maildir, "", "  batch_size: 50\n");

  long stored_at_kill = 0;
  {
    BouncedProcess victim({"run", "--config", config.string()}, dir.path() / "victim.log");
    REQUIRE(eventually([&] { return database.count("bounce_messages") > 0; }));
    victim.signal(SIGKILL);
    REQUIRE(victim.wait(10s) == 128 + SIGKILL);
    stored_at_kill = database.count("bounce_messages");
  }
  INFO("stored when killed: " << stored_at_kill);
  // Killed in the middle: some stored, the rest still in the Maildir (new/ or its claims).
  REQUIRE(stored_at_kill < static_cast<long>(kMessages));
  CHECK(count_files(maildir / "new") + count_claimed(maildir) +
            count_files(maildir / ".Processed" / "cur") ==
        kMessages);

  BouncedProcess successor({"run", "--config", config.string()}, dir.path() / "successor.log");
  REQUIRE(
      eventually([&] { return count_files(maildir / ".Processed" / "cur") == kMessages; }, 90s));
  CHECK(database.count("bounce_messages") == static_cast<long>(kMessages));
  CHECK(database.count("bounces") == static_cast<long>(kMessages));
  CHECK(count_files(maildir / "new") == 0);
  CHECK(count_claimed(maildir) == 0);
  // The dead process's claim directory was recognised and emptied.
  if (!successor.events("claims_recovered").empty()) {
    CHECK(successor.events("claims_recovered")[0]["owner"].get<std::string>().find(".") !=
          std::string::npos);
  }
  successor.signal(SIGTERM);
  REQUIRE(successor.wait(15s) == 0);
}
