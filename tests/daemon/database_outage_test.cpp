// PostgreSQL stopped and started again under a running daemon: it keeps running, says so once
// per change of state, leaves the mail in the Maildir while the server is away, and catches up
// when it returns. Nothing is lost and nothing is stored twice.
#include <signal.h>

#include <catch2/catch.hpp>
#include <thread>

#include "daemon_harness.hpp"
#include "pg_fixture.hpp"

using namespace bounced::test;

TEST_CASE("a database outage keeps mail in its source and the daemon catches up", "[daemon]") {
  TestDatabase database;
  TestDir dir;
  const fs::path maildir = dir.path() / "Maildir";
  make_maildir(maildir);
  const fs::path config = write_daemon_config(dir.path(), database.conninfo(), maildir);
  BouncedProcess daemon({"run", "--config", config.string()}, dir.path() / "daemon.log");
  REQUIRE(daemon.wait_for_event("database_connected"));

  for (size_t i = 0; i < 20; ++i) deliver(maildir, "before." + std::to_string(i), unique_bounce(i));
  REQUIRE(eventually([&] { return count_files(maildir / ".Processed" / "cur") == 20; }));

  REQUIRE(bounced::store::ok(test_cluster().stop()));
  for (size_t i = 0; i < 30; ++i) {
    deliver(maildir, "during." + std::to_string(i), unique_bounce(100 + i));
  }
  REQUIRE(daemon.wait_for_event("database_unavailable"));
  // Give it time to retry a few times (retry_max is 1 s here): the mail stays in the Maildir
  // (new/ or one claim held while the source waits), none is filed, the daemon runs on.
  std::this_thread::sleep_for(2500ms);
  CHECK(daemon.running());
  CHECK(count_files(maildir / ".Processed" / "cur") == 20);
  CHECK(count_files(maildir / "new") + count_claimed(maildir) == 30);

  REQUIRE(bounced::store::ok(test_cluster().restart()));
  REQUIRE(eventually([&] { return count_files(maildir / ".Processed" / "cur") == 50; }));
  CHECK(database.count("bounce_messages") == 50);
  CHECK(count_files(maildir / "new") == 0);
  CHECK(count_claimed(maildir) == 0);
  // Once per change of state, however many retries there were.
  CHECK(daemon.events("database_unavailable").size() == 1);
  CHECK(daemon.events("database_available").size() == 1);

  daemon.signal(SIGTERM);
  REQUIRE(daemon.wait(15s) == 0);
}

TEST_CASE("SIGTERM during an outage gives the mail back and exits promptly", "[daemon]") {
  TestDatabase database;
  TestDir dir;
  const fs::path maildir = dir.path() / "Maildir";
  make_maildir(maildir);
  const fs::path config = write_daemon_config(dir.path(), database.conninfo(), maildir);
  BouncedProcess daemon({"run", "--config", config.string()}, dir.path() / "daemon.log");
  REQUIRE(daemon.wait_for_event("database_connected"));
  REQUIRE(bounced::store::ok(test_cluster().stop()));
  for (size_t i = 0; i < 10; ++i) deliver(maildir, "m." + std::to_string(i), unique_bounce(i));
  REQUIRE(daemon.wait_for_event("database_unavailable"));
  const auto asked = std::chrono::steady_clock::now();
  daemon.signal(SIGTERM);
  REQUIRE(daemon.wait(15s) == 0);
  CHECK(std::chrono::steady_clock::now() - asked < 5s);
  // Everything is back in new/, ready for the next start.
  CHECK(count_files(maildir / "new") == 10);
  CHECK(count_claimed(maildir) == 0);
  REQUIRE(bounced::store::ok(test_cluster().restart()));
}
