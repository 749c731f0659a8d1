// `bounced run` on a Maildir fed while it runs: every bounce stored and filed in .Processed,
// ordinary mail kept in the Maildir (never deleted), unreadable mail quarantined durably, a lone
// bounce stored within a second, one JSON log line per message with its source and name, and a
// clean drain on SIGTERM.
#include <signal.h>

#include <catch2/catch.hpp>

#include "daemon_harness.hpp"
#include "pg_fixture.hpp"

using namespace bounced::test;

TEST_CASE("a Maildir fed while the daemon runs is stored, filed and acknowledged", "[daemon]") {
  TestDatabase database;
  TestDir dir;
  const fs::path maildir = dir.path() / "Maildir";
  make_maildir(maildir);
  const fs::path config = write_daemon_config(dir.path(), database.conninfo(), maildir);
  BouncedProcess daemon({"run", "--config", config.string()}, dir.path() / "daemon.log");
  REQUIRE(daemon.wait_for_event("database_connected"));
  REQUIRE(daemon.wait_for_event("source_watching"));

  constexpr size_t kBounces = 60;
  for (size_t i = 0; i < kBounces; ++i) {
    deliver(maildir, "1767.M" + std::to_string(i) + ".test", unique_bounce(i));
  }
  deliver(maildir, "1767.human.test", fixture("not_bounce/human-reply-to-newsletter.eml"));
  deliver(maildir, "1767.broken.test", fixture("store/not-mail.eml.bad"));

  // 60 bounces and the human reply are rows; the broken mail is quarantined.
  REQUIRE(eventually([&] { return database.count("bounce_messages") == kBounces + 1; }));
  REQUIRE(eventually([&] { return count_files(dir.path() / "state" / "quarantine") == 2; }));
  REQUIRE(eventually([&] { return count_files(maildir / ".Processed" / "cur") == kBounces; }));
  CHECK(database.count("bounces") == static_cast<long>(kBounces));
  CHECK(count_files(maildir / "new") == 0);
  CHECK(count_claimed(maildir) == 0);
  // Ordinary mail stays in the Maildir, unread (no S flag), for a person to answer.
  REQUIRE(count_files(maildir / "cur") == 1);
  CHECK(fs::exists(maildir / "cur" / "1767.human.test:2,"));
  CHECK(fs::exists(maildir / ".Processed" / "maildirfolder"));

  // One line per message, each naming its source and file.
  const auto stored = daemon.events("stored");
  REQUIRE(stored.size() == kBounces);
  for (const auto& event : stored) {
    CHECK(event["source"] == "bounces");
    CHECK(event["name"].get<std::string>().starts_with("1767.M"));
    CHECK(event["verdicts"] == "jane.doe@example.org=hard/user_unknown");
  }
  REQUIRE(daemon.events("not_bounce").size() == 1);
  CHECK(daemon.events("not_bounce")[0]["name"] == "1767.human.test");
  const auto quarantined = daemon.events("quarantined");
  REQUIRE(quarantined.size() == 1);
  CHECK(quarantined[0]["name"] == "1767.broken.test");
  CHECK(read_file(quarantined[0]["copy"].get<std::string>() + ".reason").find("1767.broken.test") !=
        std::string::npos);

  // A lone bounce after a quiet spell is stored within a second of landing.
  const auto landed = std::chrono::steady_clock::now();
  deliver(maildir, "1767.lone.test", unique_bounce(1000));
  REQUIRE(eventually([&] { return database.count("bounce_messages") == kBounces + 2; }));
  CHECK(std::chrono::steady_clock::now() - landed < 1s);

  daemon.signal(SIGTERM);
  REQUIRE(daemon.wait(15s) == 0);
  REQUIRE(daemon.events("stopped").size() == 1);
  CHECK(daemon.events("stopped")[0]["drained"] == true);
  // The metrics line counts what happened.
  const auto metrics = daemon.events("metrics").back();
  CHECK(metrics["stored"] == kBounces + 2);
  CHECK(metrics["not_bounce"] == 1);
  CHECK(metrics["quarantined"] == 1);
  CHECK(metrics["intake_depth"] == 0);
  // Its claim directory is gone with it.
  CHECK(fs::is_empty(maildir / "bounced-claims"));
}

TEST_CASE("mail already waiting in new/ when the daemon starts is taken by the start scan",
          "[daemon]") {
  TestDatabase database;
  TestDir dir;
  const fs::path maildir = dir.path() / "Maildir";
  make_maildir(maildir);
  // A name that starts with a dot is still mail: every file in a Maildir is.
  deliver(maildir, ".hidden-looking", unique_bounce(1));
  for (size_t i = 2; i <= 20; ++i)
    deliver(maildir, "waiting." + std::to_string(i), unique_bounce(i));
  const fs::path config = write_daemon_config(dir.path(), database.conninfo(), maildir,
                                              "ingest:\n  processed_folder: \"\"\n");
  BouncedProcess daemon({"run", "--config", config.string()}, dir.path() / "daemon.log");
  REQUIRE(eventually([&] { return database.count("bounce_messages") == 20; }));
  // processed_folder "" deletes stored mail once committed.
  REQUIRE(
      eventually([&] { return count_files(maildir / "new") == 0 && count_claimed(maildir) == 0; }));
  CHECK(!fs::exists(maildir / ".Processed"));
  daemon.signal(SIGTERM);
  REQUIRE(daemon.wait(15s) == 0);
}
