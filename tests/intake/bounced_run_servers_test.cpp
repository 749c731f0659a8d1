// `bounced run` itself - the binary, configured by bounced.yaml - reading an IMAP folder on a real
// Dovecot and answering a real Postfix as its milter, into a real PostgreSQL: the sources as a
// postmaster configures them, end to end, rather than the source classes alone.
#include <signal.h>

#include <catch2/catch.hpp>

#include "dovecot_server.hpp"
#include "intake/imap_session.hpp"
#include "pg_fixture.hpp"
#include "postfix_server.hpp"

using namespace bounced;
using namespace std::chrono_literals;

namespace {

const char* kBounce = "dsn/postfix-two-recipients-one-full-one-unknown.eml";
const char* kHumanReply = "not_bounce/human-reply-to-newsletter.eml";
const char* kReports = "SELECT 1 FROM bounce_messages WHERE kind = 'dsn'";

std::size_t pending_in(const test::DovecotServer& server, const std::string& folder,
                       const std::string& skip_keyword = "") {
  auto opened = daemon::intake::ImapSession::open(server.plain_options());
  REQUIRE(std::holds_alternative<std::unique_ptr<daemon::intake::ImapSession>>(opened));
  auto& session = *std::get<std::unique_ptr<daemon::intake::ImapSession>>(opened);
  if (std::holds_alternative<daemon::intake::ImapError>(session.select(folder))) return 0;
  auto uids = session.search_pending(skip_keyword);
  REQUIRE(std::holds_alternative<std::vector<std::uint32_t>>(uids));
  return std::get<std::vector<std::uint32_t>>(uids).size();
}

void append(const test::DovecotServer& server, const std::string& bytes) {
  auto opened = daemon::intake::ImapSession::open(server.plain_options());
  REQUIRE(std::holds_alternative<std::unique_ptr<daemon::intake::ImapSession>>(opened));
  REQUIRE_FALSE(
      std::get<std::unique_ptr<daemon::intake::ImapSession>>(opened)->append("INBOX", bytes));
}

// bounced.yaml with the given sources, a configured database, JSON log lines.
test::fs::path write_config(const test::fs::path& dir, const std::string& conninfo,
                            const std::string& sources) {
  const test::fs::path config = dir / "bounced.yaml";
  test::write_file(config, "database:\n  url: \"" + conninfo + "\"\nstate_dir: " +
                               (dir / "state").string() + "\nsources:\n" + sources +
                               "log:\n  format: json\n"
                               "pipeline:\n  commit_interval: 50ms\n  retry_initial: 100ms\n"
                               "  retry_max: 1s\n  drain_timeout: 10s\n");
  return config;
}

}  // namespace

TEST_CASE(
    "bounced run: an IMAP source on Dovecot - bounces stored and expunged, a human reply kept",
    "[intake][imap][run]") {
  test::TestDatabase database;
  test::DovecotServer dovecot;
  test::ServerDir dir("bounced-run-imap");
  for (int i = 1; i <= 3; ++i) append(dovecot, test::numbered_mail(kBounce, i));
  append(dovecot, test::fixture_mail(kHumanReply));
  const auto config = write_config(
      dir.path(), database.conninfo(),
      "  - name: imap-test\n    type: imap\n    host: 127.0.0.1\n    port: " +
          std::to_string(dovecot.imap_port()) +
          "\n    security: none\n    username: " + std::string(test::DovecotServer::user) +
          "\n    password: " + std::string(test::DovecotServer::password) +
          "\n    poll_interval: 1s\n");
  test::ChildProcess bounced_run({BOUNCED_BINARY, "run", "--config", config.string()},
                                 (dir.path() / "bounced.log").string());
  if (!test::eventually([&] { return database.count(kReports) == 3; }, 30s)) {
    FAIL("not stored; bounced's log:\n" << test::read_file(dir.path() / "bounced.log"));
  }
  // Two recipients in each report, each a verdict of its own.
  CHECK(database.count("bounces") == 6);
  // Each named by its folder, UIDVALIDITY and UID.
  CHECK(database.count("SELECT 1 FROM bounce_messages WHERE source LIKE '%INBOX/%/%'") == 4);
  // The human reply is recorded as not a bounce, and counted.
  CHECK(database.count("SELECT 1 FROM bounce_messages WHERE kind = 'not_bounce'") == 1);
  // Expunged after the commit; the human reply is left in the folder, marked, never deleted.
  REQUIRE(test::eventually([&] { return pending_in(dovecot, "INBOX", "$BouncedKept") == 0; }, 15s));
  CHECK(pending_in(dovecot, "INBOX") == 1);

  // More mail while it runs: picked up without a restart.
  append(dovecot, test::numbered_mail(kBounce, 4));
  REQUIRE(test::eventually([&] { return database.count(kReports) == 4; }, 30s));
  CHECK(bounced_run.stop() == 0);
}

TEST_CASE("bounced run: the milter behind Postfix - the bounce is stored before Postfix answers",
          "[intake][milter][run]") {
  test::TestDatabase database;
  test::ServerDir dir("bounced-run-milter");
  const int milter_port = test::free_port();
  const auto config = write_config(
      dir.path(), database.conninfo(),
      "  - name: mta\n    type: milter\n    socket: inet:" + std::to_string(milter_port) +
          "@127.0.0.1\n    recipients: [\"bounces@bounce.test\"]\n    on_stored: discard\n");
  test::ChildProcess bounced_run({BOUNCED_BINARY, "run", "--config", config.string()},
                                 (dir.path() / "bounced.log").string());
  if (!test::wait_for_port(milter_port, 30s)) {
    FAIL("no milter; bounced's log:\n" << test::read_file(dir.path() / "bounced.log"));
  }
  test::PostfixServer postfix("inet:127.0.0.1:" + std::to_string(milter_port));

  const test::SmtpReply reply = test::send_mail(postfix.smtp_port(), "", {"bounces@bounce.test"},
                                                test::fixture_mail(kBounce));
  CHECK(reply.code == 250);
  // The answer came after the commit: the rows are there the moment the client has its 250.
  CHECK(database.count(kReports) == 1);
  CHECK(database.count("bounces") == 2);
  // Discarded: Postfix does not deliver it as well.
  CHECK(postfix.delivered("bounces").empty());

  // Ordinary mail to another address passes untouched.
  const test::SmtpReply human =
      test::send_mail(postfix.smtp_port(), "person@example.org", {"human@bounce.test"},
                      test::fixture_mail(kHumanReply));
  CHECK(human.code == 250);
  CHECK(test::eventually([&] { return postfix.delivered("human").size() == 1; }, 15s));
  CHECK(database.count(kReports) == 1);
  CHECK(bounced_run.stop() == 0);
}
