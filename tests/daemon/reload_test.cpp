// SIGHUP reloads bounced.yaml and the rules off to the side and swaps them in. A broken rule
// file keeps the running rules (and says where the file is broken); a good one takes effect for
// the next message. The shipped pack is loaded first and rules.dirs after it.
#include <signal.h>

#include <catch2/catch.hpp>

#include "daemon_harness.hpp"
#include "pg_fixture.hpp"

using namespace bounced::test;

namespace {

// A local rule set for the recipient's domain: domain sets are consulted before the default
// set, so it decides the fixture's diagnostic instead of the shipped rules.
const char* kSoftOverride = R"(ruleset: local-example-org
domains: [example.org]
rules:
  - id: local-example-org-unknown
    match: 'User unknown in virtual mailbox table'
    category: soft
    reason: mailbox_disabled
    examples:
      - "550 5.1.1 <jane.doe@example.org>: Recipient address rejected: User unknown in virtual mailbox table"
)";

const char* kBrokenOverride = R"(ruleset: local-example-org
domains: [example.org]
rules:
  - id: local-example-org-unknown
    match: '(User unknown in virtual mailbox table'
    category: hard
    reason: user_unknown
    examples:
      - "550 5.1.1 Recipient address rejected: User unknown in virtual mailbox table"
)";

std::string reason_of(TestDatabase& database, size_t n) {
  return database.scalar(
      "SELECT b.category || '/' || b.reason FROM bounces b JOIN bounce_messages m USING "
      "(fingerprint) WHERE m.source LIKE '%/m." +
      std::to_string(n) + "'");
}

}  // namespace

TEST_CASE("SIGHUP with a broken rule file keeps the running rules", "[daemon]") {
  TestDatabase database;
  TestDir dir;
  const fs::path maildir = dir.path() / "Maildir";
  make_maildir(maildir);
  const fs::path rules = dir.path() / "rules.d";
  write_file(rules / "local.yaml", kSoftOverride);
  const fs::path config = write_daemon_config(dir.path(), database.conninfo(), maildir,
                                              "rules:\n  dirs: [" + rules.string() + "]\n");
  BouncedProcess daemon({"run", "--config", config.string()}, dir.path() / "daemon.log");
  REQUIRE(daemon.wait_for_event("database_connected"));

  // The local rule, loaded after the shipped pack, decides.
  deliver(maildir, "m.1", unique_bounce(1));
  REQUIRE(eventually([&] { return !reason_of(database, 1).empty(); }));
  CHECK(reason_of(database, 1) == "soft/mailbox_disabled");

  // A broken file: the reload fails, says where, and the running rules stay.
  write_file(rules / "local.yaml", kBrokenOverride);
  daemon.signal(SIGHUP);
  REQUIRE(daemon.wait_for_event("reload_failed"));
  const std::string error = daemon.events("reload_failed")[0]["error"];
  CHECK(error.find("local.yaml:4:") != std::string::npos);
  CHECK(error.find("invalid regex") != std::string::npos);
  deliver(maildir, "m.2", unique_bounce(2));
  REQUIRE(eventually([&] { return !reason_of(database, 2).empty(); }));
  CHECK(reason_of(database, 2) == "soft/mailbox_disabled");

  // A broken bounced.yaml keeps them too.
  const std::string good_config = read_file(config);
  write_file(config, good_config + "pipeline: [\n");
  daemon.signal(SIGHUP);
  REQUIRE(daemon.wait_for_event("reload_failed", 30s, 2));

  // Fixed (the override removed): the next message is decided by the shipped rule again.
  write_file(config, good_config);
  fs::remove(rules / "local.yaml");
  daemon.signal(SIGHUP);
  REQUIRE(daemon.wait_for_event("reloaded"));
  deliver(maildir, "m.3", unique_bounce(3));
  REQUIRE(eventually([&] { return !reason_of(database, 3).empty(); }));
  CHECK(reason_of(database, 3) == "hard/user_unknown");
  CHECK(daemon.running());

  daemon.signal(SIGTERM);
  REQUIRE(daemon.wait(15s) == 0);
}
