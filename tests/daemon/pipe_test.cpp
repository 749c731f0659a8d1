// `bounced ingest -` as an MTA's pipe (Postfix pipe(8), procmail, sieve): exit 0 once the
// message is stored (or safely quarantined), 75 (EX_TEMPFAIL) whenever it is not, so the MTA
// keeps the mail and retries instead of bouncing the bounce.
#include <catch2/catch.hpp>

#include "daemon_harness.hpp"
#include "pg_fixture.hpp"

using namespace bounced::test;

TEST_CASE("ingest - exits 0 once stored and 75 while the database is unavailable", "[daemon]") {
  TestDatabase database;
  TestDir dir;
  const std::string bounce = unique_bounce(1);

  const Finished stored = run_bounced({"ingest", "--state-dir", (dir.path() / "state").string(),
                                       "--database", database.conninfo(), "-"},
                                      bounce);
  INFO(stored.output);
  CHECK(stored.status == 0);
  CHECK(database.count("bounce_messages") == 1);

  // The same bounce piped again (the MTA retried after a lost exit status): nothing twice.
  const Finished again = run_bounced({"ingest", "--state-dir", (dir.path() / "state").string(),
                                      "--database", database.conninfo(), "-"},
                                     bounce);
  CHECK(again.status == 0);
  CHECK(database.count("bounce_messages") == 1);

  // Postfix pipe(8) with flags=F prepends a From_ line: still one message.
  const Finished from_line =
      run_bounced({"ingest", "--state-dir", (dir.path() / "state").string(), "--database",
                   database.conninfo(), "-"},
                  "From MAILER-DAEMON  Thu Jan  8 09:20:05 2026\n" + unique_bounce(2));
  CHECK(from_line.status == 0);
  CHECK(database.count("bounce_messages") == 2);

  // Nobody listens on that socket: the database is unavailable.
  const Finished unavailable =
      run_bounced({"ingest", "--state-dir", (dir.path() / "state").string(), "--database",
                   "host=" + (dir.path() / "no-server").string() + " dbname=bounced", "-"},
                  unique_bounce(3));
  INFO(unavailable.output);
  CHECK(unavailable.status == 75);

  // A broken configuration is no reason to bounce a bounce either.
  write_file(dir.path() / "broken.yaml", "ingest: [\n");
  const Finished broken = run_bounced(
      {"ingest", "--config", (dir.path() / "broken.yaml").string(), "-"}, unique_bounce(4));
  CHECK(broken.status == 75);

  // Unreadable mail is ours once it is in the quarantine: 0.
  const Finished unreadable = run_bounced({"ingest", "--state-dir", (dir.path() / "state").string(),
                                           "--database", database.conninfo(), "-"},
                                          fixture("store/not-mail.eml.bad"));
  CHECK(unreadable.status == 0);
  CHECK(count_files(dir.path() / "state" / "quarantine") == 2);
}
