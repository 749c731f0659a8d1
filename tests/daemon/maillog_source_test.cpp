// The Postfix log as a daemon source: sends appear as lines are appended, across a rotation by
// rename and one by copytruncate, and reading resumes after the database comes back.
#include <signal.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "daemon_harness.hpp"
#include "pg_fixture.hpp"

using namespace bounced::test;

namespace {

// One message through Postfix: cleanup, qmgr, one delivery, removed.
std::string postfix_lines(int n, const std::string& status = "sent") {
  char id[16];
  std::snprintf(id, sizeof id, "4dQ%07X", n);
  const std::string q = id;
  const std::string dsn = status == "sent" ? "2.0.0" : "5.1.1";
  const std::string reply = status == "sent" ? "250 2.0.0 Ok: queued as X"
                                             : "host mx.example.net[192.0.2.25] said: 550 5.1.1 "
                                               "<r" +
                                                   std::to_string(n) +
                                                   "@example.net>: Recipient address rejected: "
                                                   "User unknown (in reply to RCPT TO command)";
  return "Jan  8 09:14:03 mail postfix/cleanup[2002]: " + q + ": message-id=<" + std::to_string(n) +
         ".ml@sender.example>\n" + "Jan  8 09:14:03 mail postfix/qmgr[1500]: " + q +
         ": from=<bounces+t-" + std::to_string(n) +
         "@sender.example>, size=2345, nrcpt=1 (queue active)\n" +
         "Jan  8 09:14:04 mail postfix/smtp[2003]: " + q + ": to=<r" + std::to_string(n) +
         "@example.net>, relay=mx.example.net[192.0.2.25]:25, delay=1.1, "
         "delays=0.1/0/0.5/0.5, dsn=" +
         dsn + ", status=" + status + " (" + reply + ")\n" +
         "Jan  8 09:14:04 mail postfix/qmgr[1500]: " + q + ": removed\n";
}

void append(const fs::path& file, const std::string& text) {
  std::ofstream(file, std::ios::app) << text;
}

}  // namespace

TEST_CASE("the maillog source follows rotation by rename and by copytruncate", "[daemon]") {
  TestDatabase database;
  TestDir dir;
  const fs::path log = dir.path() / "mail.log";
  write_file(log, postfix_lines(1) + postfix_lines(2, "bounced"));
  const fs::path config = write_daemon_config(
      dir.path(), database.conninfo(), "",
      "sources:\n  - name: postfix\n    type: maillog\n    path: " + log.string() +
          "\n    poll_interval: 50ms\n");
  BouncedProcess daemon({"run", "--config", config.string()}, dir.path() / "daemon.log");
  REQUIRE(eventually([&] { return database.count("sends") == 2; }));
  CHECK(database.scalar("SELECT sync_category FROM sends WHERE recipient = 'r2@example.net'") ==
        "hard");

  append(log, postfix_lines(3));
  REQUIRE(eventually([&] { return database.count("sends") == 3; }));

  // logrotate's default: rename, then a new file.
  fs::rename(log, dir.path() / "mail.log.1");
  append(dir.path() / "mail.log.1", postfix_lines(4));  // written before Postfix reopened
  write_file(log, postfix_lines(5));
  REQUIRE(eventually([&] { return database.count("sends") == 5; }));

  // copytruncate: the same file emptied in place, then written from the start.
  fs::copy_file(log, dir.path() / "mail.log.2");
  fs::resize_file(log, 0);
  append(log, postfix_lines(6) + postfix_lines(7));
  REQUIRE(eventually([&] { return database.count("sends") == 7; }));

  // The server goes away and comes back: the source reconnects and resumes where it was.
  REQUIRE(bounced::store::ok(test_cluster().stop()));
  append(log, postfix_lines(8));
  REQUIRE(daemon.wait_for_event("source_unavailable"));
  REQUIRE(bounced::store::ok(test_cluster().restart()));
  REQUIRE(eventually([&] { return database.count("sends") == 8; }));
  CHECK(database.count("SELECT DISTINCT recipient FROM sends") == 8);
  // Every queue id ended with "removed": none is left open.
  CHECK(database.count("maillog_queue") == 0);

  daemon.signal(SIGTERM);
  REQUIRE(daemon.wait(15s) == 0);
}
