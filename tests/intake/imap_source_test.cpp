// The IMAP source against a real Dovecot started by the test (plain, implicit TLS, STARTTLS),
// with a recording sink standing in for the pipeline.
#include "intake/imap_source.hpp"

#include <catch2/catch.hpp>
#include <set>

#include "dovecot_server.hpp"
#include "intake/imap_session.hpp"
#include "pg_fixture.hpp"
#include "recording_sink.hpp"

using namespace bounced;
using namespace std::chrono_literals;
using daemon::intake::ImapSession;
using daemon::intake::ImapSource;
using daemon::intake::ImapSourceOptions;
using daemon::intake::IncomingMessage;

namespace {

const char* kBounce = "dsn/postfix-two-recipients-one-full-one-unknown.eml";
const char* kHumanReply = "not_bounce/human-reply-to-newsletter.eml";

// A second client, as a person or the MTA would use the mailbox: deliver, count, look.
class MailboxClient {
 public:
  explicit MailboxClient(const test::DovecotServer& server) {
    auto opened = ImapSession::open(server.plain_options());
    if (auto* error = std::get_if<daemon::intake::ImapError>(&opened)) FAIL(error->message);
    session_ = std::get<std::unique_ptr<ImapSession>>(std::move(opened));
  }
  void deliver(const std::string& bytes, const std::string& folder = "INBOX") {
    auto failed = session_->append(folder, bytes);
    REQUIRE_FALSE(failed);
  }
  // Messages in the folder without \Deleted (and without `skip_keyword`).
  std::size_t count(const std::string& folder = "INBOX", const std::string& skip_keyword = "") {
    auto selected = session_->select(folder);
    if (std::holds_alternative<daemon::intake::ImapError>(selected)) return 0;
    auto uids = session_->search_pending(skip_keyword);
    REQUIRE(std::holds_alternative<std::vector<std::uint32_t>>(uids));
    return std::get<std::vector<std::uint32_t>>(uids).size();
  }
  std::uint32_t uidvalidity(const std::string& folder = "INBOX") {
    auto selected = session_->select(folder);
    REQUIRE(std::holds_alternative<std::uint32_t>(selected));
    return std::get<std::uint32_t>(selected);
  }

 private:
  std::unique_ptr<ImapSession> session_;
};

std::set<std::string> names_of(const std::vector<IncomingMessage>& messages) {
  std::set<std::string> names;
  for (const auto& message : messages) names.insert(message.name);
  return names;
}

}  // namespace

TEST_CASE(
    "IMAP - plain: every waiting message is pushed once - exactly as stored - and expunged after "
    "commit",
    "[intake][imap]") {
  test::DovecotServer server;
  MailboxClient client(server);
  std::vector<std::string> mails;
  for (int i = 1; i <= 3; ++i) {
    mails.push_back(test::numbered_mail(kBounce, i));
    client.deliver(mails.back());
  }
  const std::uint32_t uidvalidity = client.uidvalidity();

  ImapSource source(server.plain_options(), nullptr);
  test::RecordingSink sink(source, [](const IncomingMessage&) { return test::Answer::stored; });
  test::RunningSource running(source, sink);

  REQUIRE(test::eventually([&] { return source.counters().removed == 3; }, 15s));
  running.stop();
  const auto pushed = sink.pushed();
  REQUIRE(pushed.size() == 3);
  std::set<std::string> bytes;
  for (const auto& message : pushed) {
    CHECK(message.source == "imap-test");
    CHECK_THAT(message.name, Catch::StartsWith("INBOX/" + std::to_string(uidvalidity) + "/"));
    bytes.insert(message.bytes);
    // INTERNALDATE: delivered moments ago.
    CHECK(std::chrono::system_clock::now() - message.received < 5min);
  }
  CHECK(bytes == std::set<std::string>(mails.begin(), mails.end()));
  CHECK(client.count() == 0);
}

TEST_CASE("IMAP - implicit TLS and AUTHENTICATE PLAIN: the server certificate is verified",
          "[intake][imap][tls]") {
  test::DovecotServer server;
  MailboxClient client(server);
  client.deliver(test::numbered_mail(kBounce, 1));

  ImapSourceOptions options = server.plain_options();
  options.security = daemon::intake::ImapSecurity::tls;
  options.port = static_cast<std::uint16_t>(server.imaps_port());
  options.auth = daemon::intake::ImapAuth::plain;
  options.ca_file = server.ca_file();

  SECTION("trusted: mail flows") {
    options.host = GENERATE(std::string("127.0.0.1"), std::string("localhost"));
    ImapSource source(options, nullptr);
    test::RecordingSink sink(source, [](const IncomingMessage&) { return test::Answer::stored; });
    test::RunningSource running(source, sink);
    REQUIRE(test::eventually([&] { return source.counters().removed == 1; }, 15s));
  }
  SECTION("a certificate from another CA is refused before any credential is sent") {
    options.ca_file = server.other_ca_file();
    auto logins = [&] {
      const std::string log = test::read_file(server.dir() / "dovecot.log");
      std::size_t count = 0;
      for (auto at = log.find("Login: user=<"); at != std::string::npos;
           at = log.find("Login: user=<", at + 1)) {
        ++count;
      }
      return count;
    };
    const std::size_t logins_before = logins();
    auto opened = ImapSession::open(options);
    REQUIRE(std::holds_alternative<daemon::intake::ImapError>(opened));
    INFO(std::get<daemon::intake::ImapError>(opened).message);
    CHECK_THAT(std::get<daemon::intake::ImapError>(opened).message,
               Catch::Contains("not trusted", Catch::CaseSensitive::No) ||
                   Catch::Contains("signer", Catch::CaseSensitive::No));
    std::this_thread::sleep_for(300ms);
    CHECK(logins() == logins_before);
    CHECK(client.count() == 1);
  }
  SECTION("a host name the certificate does not name is refused") {
    options.host = "127.0.0.2";  // loopback too, but not in the certificate
    auto opened = ImapSession::open(options);
    REQUIRE(std::holds_alternative<daemon::intake::ImapError>(opened));
  }
}

TEST_CASE("IMAP - STARTTLS and LOGIN", "[intake][imap][tls]") {
  test::DovecotServer server;
  MailboxClient client(server);
  client.deliver(test::numbered_mail(kBounce, 1));
  ImapSourceOptions options = server.plain_options();
  options.security = daemon::intake::ImapSecurity::starttls;
  options.ca_file = server.ca_file();
  ImapSource source(options, nullptr);
  test::RecordingSink sink(source, [](const IncomingMessage&) { return test::Answer::stored; });
  test::RunningSource running(source, sink);
  REQUIRE(test::eventually([&] { return source.counters().removed == 1; }, 15s));
  CHECK_THAT(test::read_file(server.dir() / "dovecot.log"), Catch::Contains("TLS"));
}

TEST_CASE("IMAP IDLE: mail delivered while the source waits is picked up at once",
          "[intake][imap][idle]") {
  test::DovecotServer server;
  MailboxClient client(server);
  ImapSourceOptions options = server.plain_options();
  options.poll_interval = 600s;  // a poll would come far too late: only IDLE can pass this
  ImapSource source(options, nullptr);
  test::RecordingSink sink(source, [](const IncomingMessage&) { return test::Answer::stored; });
  test::RunningSource running(source, sink);
  REQUIRE(test::eventually([&] { return source.counters().connects == 1; }, 10s));
  std::this_thread::sleep_for(300ms);  // the source has scanned the empty folder and idles

  for (int i = 1; i <= 3; ++i) {
    const auto delivered = std::chrono::steady_clock::now();
    client.deliver(test::numbered_mail(kBounce, i));
    // Bounds far below the 600 s poll, loose enough for a loaded machine: IDLE answers in
    // milliseconds here, but a test run beside a parallel build has waited seconds for Dovecot.
    REQUIRE(test::eventually([&] { return sink.count() == static_cast<std::size_t>(i); }, 30s));
    CHECK(std::chrono::steady_clock::now() - delivered < 15s);
  }
  REQUIRE(test::eventually([&] { return source.counters().removed == 3; }, 15s));
  CHECK(client.count() == 0);
}

TEST_CASE(
    "IMAP restart: a new source resumes by UID - nothing committed is taken again - nothing is "
    "lost",
    "[intake][imap]") {
  test::DovecotServer server;
  MailboxClient client(server);
  for (int i = 1; i <= 6; ++i) client.deliver(test::numbered_mail(kBounce, i));

  std::set<std::string> first_names;
  {
    // The first daemon commits three messages, then stops with three still in its pipeline.
    ImapSource source(server.plain_options(), nullptr);
    int answered = 0;
    test::RecordingSink sink(source, [&](const IncomingMessage&) {
      return ++answered <= 3 ? test::Answer::stored : test::Answer::hold;
    });
    test::RunningSource running(source, sink);
    REQUIRE(
        test::eventually([&] { return sink.count() == 6 && source.counters().removed == 3; }, 15s));
    running.stop();
    for (const auto& message : sink.pushed()) first_names.insert(message.name);
  }
  CHECK(client.count() == 3);

  ImapSource source(server.plain_options(), nullptr);
  test::RecordingSink sink(source, [](const IncomingMessage&) { return test::Answer::stored; });
  test::RunningSource running(source, sink);
  REQUIRE(test::eventually([&] { return source.counters().removed == 3; }, 15s));
  running.stop();
  const auto second_names = names_of(sink.pushed());
  CHECK(second_names.size() == 3);
  // What the second run took is what the first had pushed but not committed: same UIDs.
  for (const auto& name : second_names) CHECK(first_names.count(name) == 1);
  CHECK(client.count() == 0);
}

TEST_CASE("IMAP after commit: MOVE to the processed folder - not-bounce mail moved aside or kept",
          "[intake][imap]") {
  test::DovecotServer server;
  MailboxClient client(server);
  client.deliver(test::numbered_mail(kBounce, 1));
  client.deliver(test::numbered_mail(kBounce, 2));
  client.deliver(test::fixture_mail(kHumanReply));
  auto decide = [](const IncomingMessage& message) {
    return message.bytes.find("X-Bounced-Test-Number") == std::string::npos
               ? test::Answer::not_bounce
               : test::Answer::stored;
  };

  SECTION("not-bounce mail to its own folder") {
    ImapSourceOptions options = server.plain_options();
    options.after_commit = daemon::intake::ImapAfterCommit::move;
    options.processed_folder = "Processed";
    options.not_bounce_folder = "Not-Bounces";
    ImapSource source(options, nullptr);
    test::RecordingSink sink(source, decide);
    test::RunningSource running(source, sink);
    REQUIRE(test::eventually(
        [&] { return source.counters().removed == 2 && source.counters().kept == 1; }, 15s));
    running.stop();
    CHECK(client.count("INBOX") == 0);
    CHECK(client.count("Processed") == 2);
    CHECK(client.count("Not-Bounces") == 1);
  }
  SECTION("not-bounce mail left in place, marked, and not taken again") {
    ImapSourceOptions options = server.plain_options();
    options.poll_interval = 1s;
    ImapSource source(options, nullptr);
    test::RecordingSink sink(source, decide);
    test::RunningSource running(source, sink);
    REQUIRE(test::eventually(
        [&] { return source.counters().removed == 2 && source.counters().kept == 1; }, 15s));
    std::this_thread::sleep_for(1500ms);  // later scans pass over it
    running.stop();
    CHECK(sink.count() == 3);
    CHECK(client.count("INBOX") == 1);
    CHECK(client.count("INBOX", "$BouncedKept") == 0);
  }
}

TEST_CASE("IMAP release: the message stays untouched and is taken again after release_retry",
          "[intake][imap]") {
  test::DovecotServer server;
  MailboxClient client(server);
  client.deliver(test::numbered_mail(kBounce, 1));
  ImapSourceOptions options = server.plain_options();
  options.release_retry = 1s;
  ImapSource source(options, nullptr);
  int seen = 0;
  test::RecordingSink sink(source, [&](const IncomingMessage&) {
    return ++seen == 1 ? test::Answer::release : test::Answer::stored;
  });
  test::RunningSource running(source, sink);
  REQUIRE(test::eventually([&] { return source.counters().released == 1; }, 10s));
  CHECK(client.count() == 1);
  REQUIRE(test::eventually([&] { return source.counters().removed == 1; }, 10s));
  const auto pushed = sink.pushed();
  REQUIRE(pushed.size() == 2);
  CHECK(pushed[0].name == pushed[1].name);
  CHECK(client.count() == 0);
}

TEST_CASE("IMAP connection loss: the source reconnects and applies outcomes queued meanwhile",
          "[intake][imap]") {
  test::DovecotServer server;
  MailboxClient* client = new MailboxClient(server);
  client->deliver(test::numbered_mail(kBounce, 1));
  delete client;
  ImapSource source(server.plain_options(), nullptr);
  test::RecordingSink sink(source, [](const IncomingMessage&) { return test::Answer::hold; });
  test::RunningSource running(source, sink);
  REQUIRE(test::eventually([&] { return sink.count() == 1; }, 10s));

  server.stop();
  // The idling source notices the server closing the connection.
  REQUIRE(test::eventually([&] { return source.counters().disconnects >= 1; }, 10s));
  // Committed while the server is away: the outcome waits for the next connection.
  sink.answer(sink.held().at(0), test::Answer::stored);
  std::this_thread::sleep_for(1500ms);
  CHECK(source.counters().removed == 0);
  server.start();
  REQUIRE(test::eventually([&] { return source.counters().removed == 1; }, 15s));
  CHECK(source.counters().connects >= 2);
  MailboxClient after(server);
  CHECK(after.count() == 0);
  after.deliver(test::numbered_mail(kBounce, 2));
  REQUIRE(test::eventually([&] { return sink.count() == 2; }, 10s));
}

TEST_CASE("IMAP UIDVALIDITY change: everything is scanned again and stale outcomes are dropped",
          "[intake][imap]") {
  test::DovecotServer server;
  {
    MailboxClient client(server);
    client.deliver(test::numbered_mail(kBounce, 1));
    client.deliver(test::numbered_mail(kBounce, 2));
  }
  ImapSource source(server.plain_options(), nullptr);
  test::RecordingSink sink(source, [](const IncomingMessage&) { return test::Answer::hold; });
  test::RunningSource running(source, sink);
  REQUIRE(test::eventually([&] { return sink.count() == 2; }, 10s));
  const auto before = sink.held();

  server.stop();
  server.change_inbox_uidvalidity();
  server.start();
  // Reconnected under the new UIDVALIDITY: both messages are taken again, with new names.
  REQUIRE(test::eventually([&] { return sink.count() == 4; }, 15s));
  const auto pushed = sink.pushed();
  CHECK(names_of(pushed).size() == 4);

  // Outcomes for the old UIDs must not touch anything.
  for (const auto& message : before) sink.answer(message, test::Answer::stored);
  std::this_thread::sleep_for(500ms);
  CHECK(source.counters().removed == 0);
  MailboxClient client(server);
  CHECK(client.count() == 2);

  for (const auto& message : sink.held()) {
    if (names_of(before).count(message.name) == 0) sink.answer(message, test::Answer::stored);
  }
  REQUIRE(test::eventually([&] { return source.counters().removed == 2; }, 10s));
  CHECK(client.count() == 0);
}

TEST_CASE(
    "IMAP with claims while PostgreSQL is down: nothing is taken - the mail waits in the "
    "folder - and flows once the database is back",
    "[intake][imap][claims]") {
  test::TestDatabase database;
  test::DovecotServer server;
  MailboxClient client(server);
  ImapSourceOptions options = server.plain_options();
  auto claims = std::make_unique<store::ImapClaimStore>(
      database.conninfo(), store::make_claim_owner(options.name), 300s);
  ImapSource source(options, std::move(claims));
  test::RecordingSink sink(source, [](const IncomingMessage&) { return test::Answer::stored; });
  test::RunningSource running(source, sink);
  REQUIRE(test::eventually([&] { return source.counters().connects == 1; }, 10s));

  REQUIRE(store::ok(test::test_cluster().stop(true)));
  client.deliver(test::numbered_mail(kBounce, 1));
  std::this_thread::sleep_for(2500ms);
  CHECK(sink.count() == 0);
  CHECK(client.count() == 1);

  REQUIRE(store::ok(test::test_cluster().restart()));
  REQUIRE(test::eventually([&] { return source.counters().removed == 1; }, 15s));
  CHECK(sink.count() == 1);
  CHECK(client.count() == 0);
  CHECK(database.count("SELECT 1 FROM imap_claims WHERE done") == 1);
}
