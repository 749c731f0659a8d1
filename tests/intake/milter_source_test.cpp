// The milter source driven by a real Postfix (smtpd_milters) started by the test, with the
// milter in its own process (bounced_intake_worker) writing to a real PostgreSQL: the SMTP
// client's end-of-DATA reply must come after the commit, and be a 4xx while the database is
// away.
#include <signal.h>

#include <catch2/catch.hpp>

#include "pg_fixture.hpp"
#include "postfix_server.hpp"

using namespace bounced;
using namespace std::chrono_literals;

namespace {

const char* kBounce = "dsn/postfix-two-recipients-one-full-one-unknown.eml";
const char* kHumanReply = "not_bounce/human-reply-to-newsletter.eml";

// A database with the worker's table, the milter process and a Postfix in front of it.
struct MilterRig {
  test::TestDatabase database{false};
  test::ServerDir dir{"bounced-milter"};
  int milter_port = test::free_port();
  test::ChildProcess worker;
  std::unique_ptr<test::PostfixServer> postfix;

  // unix_socket: the milter listens on a unix socket in the rig's directory instead of TCP.
  explicit MilterRig(const std::string& on_stored, int commit_delay_ms = 0,
                     bool unix_socket = false) {
    const std::string socket_path = (dir.path() / "milter.sock").string();
    database.scalar(
        "CREATE TABLE milter_messages (name text NOT NULL, bytes text NOT NULL,"
        " stored_at timestamptz NOT NULL DEFAULT clock_timestamp())");
    worker = test::ChildProcess(
        {BOUNCED_INTAKE_WORKER, "milter", "--socket",
         unix_socket ? "unix:" + socket_path : "inet:" + std::to_string(milter_port) + "@127.0.0.1",
         "--socket-mode", "0666", "--on-stored", on_stored, "--conninfo", database.conninfo(),
         "--commit-delay-ms", std::to_string(commit_delay_ms), "--recipient", "bounces@bounce.test",
         "--out", (dir.path() / "signals").string()},
        (dir.path() / "worker.log").string());
    const bool listening =
        unix_socket ? test::eventually([&] { return test::fs::exists(socket_path); }, 10s)
                    : test::wait_for_port(milter_port, 10s);
    if (!listening) FAIL("milter did not start: " << test::read_file(dir.path() / "worker.log"));
    postfix = std::make_unique<test::PostfixServer>(
        unix_socket ? "unix:" + socket_path : "inet:127.0.0.1:" + std::to_string(milter_port));
  }
  long stored() { return database.count("milter_messages"); }
};

}  // namespace

TEST_CASE("milter - discard: the bounce is committed before Postfix answers 250 - then dropped",
          "[intake][milter]") {
  MilterRig rig("discard", 1500);
  const std::string mail = test::fixture_mail(kBounce);
  const auto sent = std::chrono::steady_clock::now();
  const test::SmtpReply reply =
      test::send_mail(rig.postfix->smtp_port(), "", {"bounces@bounce.test"}, mail);
  const auto answered = std::chrono::steady_clock::now();
  INFO(reply.text << rig.postfix->maillog());
  REQUIRE(reply.code == 250);
  // The answer waited for the commit (and the delay after it) ...
  CHECK(answered - sent >= 1500ms);
  // ... so the row is there the moment the client has its 250.
  CHECK(rig.stored() == 1);
  const std::string stored = rig.database.scalar("SELECT bytes FROM milter_messages");
  CHECK_THAT(stored, Catch::StartsWith("Return-Path: <>\r\nDelivered-To: bounces@bounce.test\r\n"));
  CHECK_THAT(stored, Catch::Contains("multipart/report"));
  CHECK(rig.postfix->queued() == 0);
  REQUIRE(test::eventually(
      [&] { return rig.postfix->maillog().find("milter-discard") != std::string::npos; }, 5s));
  CHECK(rig.postfix->delivered("bounces").empty());
}

TEST_CASE("milter - accept on a unix socket: stored first - then Postfix delivers it as usual",
          "[intake][milter]") {
  MilterRig rig("accept", 0, true);
  const test::SmtpReply reply = test::send_mail(
      rig.postfix->smtp_port(), "", {"bounces@bounce.test"}, test::fixture_mail(kBounce));
  INFO(reply.text << rig.postfix->maillog());
  REQUIRE(reply.code == 250);
  CHECK(rig.stored() == 1);
  REQUIRE(test::eventually([&] { return rig.postfix->delivered("bounces").size() == 1; }, 15s));
}

TEST_CASE("milter: tempfail while the database is unavailable - so the sending MTA keeps the mail",
          "[intake][milter]") {
  MilterRig rig("discard");
  const std::string mail = test::fixture_mail(kBounce);
  REQUIRE(store::ok(test::test_cluster().stop(true)));
  const test::SmtpReply refused =
      test::send_mail(rig.postfix->smtp_port(), "", {"bounces@bounce.test"}, mail);
  INFO(refused.text << rig.postfix->maillog());
  CHECK(refused.code == 451);
  CHECK_THAT(refused.text, Catch::Contains("4.3.0"));
  // Nothing was accepted: Postfix queued and delivered nothing.
  CHECK(rig.postfix->queued() == 0);
  CHECK(rig.postfix->delivered("bounces").empty());

  REQUIRE(store::ok(test::test_cluster().restart()));
  const test::SmtpReply retried =
      test::send_mail(rig.postfix->smtp_port(), "", {"bounces@bounce.test"}, mail);
  CHECK(retried.code == 250);
  CHECK(rig.stored() == 1);
}

TEST_CASE("milter: a human reply to the bounce address is stored as not a bounce and delivered",
          "[intake][milter]") {
  MilterRig rig("discard");
  const test::SmtpReply reply =
      test::send_mail(rig.postfix->smtp_port(), "reader@example.org", {"bounces@bounce.test"},
                      test::fixture_mail(kHumanReply));
  REQUIRE(reply.code == 250);
  CHECK(rig.stored() == 1);
  REQUIRE(test::eventually([&] { return rig.postfix->delivered("bounces").size() == 1; }, 15s));
}

TEST_CASE(
    "milter: other recipients keep their copy and mail without a bounce recipient is not taken",
    "[intake][milter]") {
  MilterRig rig("discard");
  SECTION("mixed recipients: the bounce recipient is removed, the other one delivered") {
    const test::SmtpReply reply =
        test::send_mail(rig.postfix->smtp_port(), "", {"bounces@bounce.test", "human@bounce.test"},
                        test::fixture_mail(kBounce));
    INFO(reply.text << rig.postfix->maillog());
    REQUIRE(reply.code == 250);
    CHECK(rig.stored() == 1);
    REQUIRE(test::eventually([&] { return rig.postfix->delivered("human").size() == 1; }, 15s));
    std::this_thread::sleep_for(500ms);
    CHECK(rig.postfix->delivered("bounces").empty());
  }
  SECTION("no bounce recipient: accepted untouched, nothing stored") {
    const test::SmtpReply reply =
        test::send_mail(rig.postfix->smtp_port(), "a@example.org", {"human@bounce.test"},
                        test::fixture_mail(kHumanReply));
    REQUIRE(reply.code == 250);
    REQUIRE(test::eventually([&] { return rig.postfix->delivered("human").size() == 1; }, 15s));
    CHECK(rig.stored() == 0);
  }
}

TEST_CASE("milter: a SIGHUP to the daemon reaches its main thread - not libmilter's",
          "[intake][milter]") {
  MilterRig rig("discard");
  rig.worker.signal(SIGHUP);
  REQUIRE(test::eventually(
      [&] {
        return test::read_file(rig.dir.path() / "signals").find("sighup") != std::string::npos;
      },
      5s));
  // libmilter did not take it as "stop": the milter still answers.
  const test::SmtpReply reply = test::send_mail(
      rig.postfix->smtp_port(), "", {"bounces@bounce.test"}, test::fixture_mail(kBounce));
  CHECK(reply.code == 250);
  CHECK(rig.stored() == 1);
}
