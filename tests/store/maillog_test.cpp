// The Postfix log parser on a sample log, and the reader's saved position: no line skipped or
// repeated across runs, a half-written last line, and a rotated, gzip'd copy.
#include <zlib.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <thread>

#include "maillog_parser.hpp"
#include "maillog_reader.hpp"
#include "pg_fixture.hpp"
#include "test_support.hpp"

using namespace bounced;

namespace {

std::vector<std::string> sample_lines() {
  std::ifstream in(test::fs::path(BOUNCED_FIXTURES_DIR) / "maillog" / "postfix.log");
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line + "\n");
  return lines;
}

void append(const test::fs::path& file, const std::vector<std::string>& lines, size_t from,
            size_t to, const std::string& tail = "") {
  std::ofstream out(file, std::ios::app | std::ios::binary);
  for (size_t i = from; i < to; ++i) out << lines[i];
  out << tail;
}

store::MaillogStats read(store::Database& db, const std::string& path) {
  store::MaillogReader reader(db, test::semantics_classifier(), {});
  return test::expect_ok(reader.read_file(path));
}

}  // namespace

TEST_CASE("the maillog parser reads cleanup and qmgr and delivery lines", "[maillog]") {
  const auto lines = sample_lines();
  REQUIRE(lines.size() == 15);
  CHECK_FALSE(store::parse_maillog_line(lines[0], 2026));  // smtpd connect
  auto id = store::parse_maillog_line(lines[2], 2026);
  REQUIRE(id);
  CHECK(id->kind == store::MaillogEvent::Kind::message_id);
  CHECK(id->queue_id == "4dQm2j6Hc1z9sWp");
  CHECK(id->message_id == "20260108091403.77A1C@sender.example");
  CHECK(id->at == *store::parse_iso_time("2026-01-08T09:14:03Z"));
  auto from = store::parse_maillog_line(lines[3], 2026);
  REQUIRE(from);
  CHECK(from->sender == "bounces+t-9001@sender.example");
  auto bounced = store::parse_maillog_line(lines[5], 2026);
  REQUIRE(bounced);
  CHECK(bounced->status == "bounced");
  CHECK(bounced->dsn == "5.1.1");
  CHECK(bounced->relay == "mx1.example.org");
  CHECK(bounced->reply_code == "550");
  CHECK(bounced->reply ==
        "550 5.1.1 <jane.doe@example.org>: Recipient address rejected: User unknown in virtual "
        "mailbox table");
  auto deferred = store::parse_maillog_line(lines[6], 2026);
  REQUIRE(deferred);
  CHECK(deferred->status == "deferred");
  CHECK(deferred->reply_code == "452");
  CHECK_FALSE(store::parse_maillog_line(lines[7], 2026));  // postfix/bounce notification
  auto removed = store::parse_maillog_line(lines[9], 2026);
  REQUIRE(removed);
  CHECK(removed->kind == store::MaillogEvent::Kind::removed);
  auto lmtp = store::parse_maillog_line(lines[12], 2026);  // RFC 3339 time, postfix-out/lmtp
  REQUIRE(lmtp);
  CHECK(lmtp->recipient == "local@sender.example");
  CHECK(lmtp->orig_to == "alias@sender.example");
  CHECK(lmtp->at == *store::parse_iso_time("2026-01-08T10:00:01Z"));
  auto no_host = store::parse_maillog_line(lines[13], 2026);
  REQUIRE(no_host);
  CHECK(no_host->reply_code.empty());
  CHECK_THAT(no_host->reply, Catch::StartsWith("Host or domain name not found"));
}

TEST_CASE("maillog records each recipient once with its latest outcome", "[store][maillog]") {
  test::TestDatabase database;
  test::ScratchDir scratch;
  const auto log = scratch.path() / "maillog";
  const auto lines = sample_lines();
  append(log, lines, 0, lines.size());
  const auto stats = read(database.db(), log.string());
  CHECK(stats.lines == 15);
  CHECK(database.count("sends") == 5);
  CHECK(database.scalar("SELECT sync_category || '/' || reply_code FROM sends WHERE recipient = "
                        "'full@example.net'") ==
        "accepted/250");  // deferred first, then sent: one row, the final outcome
  CHECK(database.scalar("SELECT sync_category || '/' || sync_reason FROM sends WHERE recipient = "
                        "'jane.doe@example.org'") == "hard/user_unknown");
  CHECK(
      database.scalar(
          "SELECT message_id || ' ' || verp_token FROM sends WHERE recipient = 'ok@example.org'") ==
      "20260108091403.77A1C@sender.example t-9001");
  CHECK(database.scalar("SELECT sent_at FROM sends WHERE recipient = 'full@example.net'") ==
        "2026-01-08 09:14:03+00");              // the queue's first sighting, not the retry
  CHECK(database.count("maillog_queue") == 1);  // 4dQn00000001B was never removed
}

TEST_CASE("maillog neither skips nor repeats lines across runs and rotation", "[store][maillog]") {
  test::TestDatabase database;
  test::ScratchDir scratch;
  const auto log = scratch.path() / "maillog";
  const auto lines = sample_lines();
  // First run: six lines and half of the seventh (the MTA is still writing it).
  append(log, lines, 0, 6, lines[6].substr(0, 40));
  CHECK(read(database.db(), log.string()).lines == 6);
  CHECK(database.count("sends") == 2);
  // The rest of line 7 and up to line 10 arrive.
  append(log, lines, 0, 0, lines[6].substr(40));
  append(log, lines, 7, 10);
  CHECK(read(database.db(), log.string()).lines == 4);
  CHECK(read(database.db(), log.string()).lines == 0);
  CHECK(database.scalar("SELECT line_number FROM maillog_positions") == "10");

  // logrotate: maillog -> maillog.1.gz (same first line), new maillog with the rest.
  {
    std::ifstream in(log, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    gzFile gz = gzopen((scratch.path() / "maillog.1.gz").c_str(), "wb");
    gzwrite(gz, text.str().data(), static_cast<unsigned>(text.str().size()));
    gzclose(gz);
    test::fs::remove(log);
  }
  append(log, lines, 10, lines.size());
  CHECK(read(database.db(), (scratch.path() / "maillog.1.gz").string()).lines == 0);
  CHECK(read(database.db(), log.string()).lines == 5);
  CHECK(read(database.db(), log.string()).lines == 0);
  CHECK(database.count("sends") == 5);
  CHECK(database.count("maillog_positions") == 2);
}

TEST_CASE("maillog keeps its position when the database fails mid-batch",
          "[store][maillog][fault]") {
  test::TestDatabase database;
  test::ScratchDir scratch;
  const auto log = scratch.path() / "maillog";
  const auto lines = sample_lines();
  append(log, lines, 0, lines.size());
  store::MaillogOptions options;
  options.before_commit = [] {
    throw store::StoreError{store::StoreError::Kind::connection, "gone"};
  };
  store::MaillogReader failing(database.db(), test::semantics_classifier(), options);
  auto result = failing.read_file(log.string());
  REQUIRE(std::holds_alternative<store::StoreError>(result));
  CHECK(database.count("sends") == 0);
  CHECK(database.count("maillog_positions") == 0);
  CHECK(read(database.db(), log.string()).lines == 15);
  CHECK(database.count("sends") == 5);
}

TEST_CASE("maillog writes each batch on its own thread while it reads the next",
          "[store][maillog]") {
  test::TestDatabase database;
  test::ScratchDir scratch;
  const auto log = scratch.path() / "maillog";
  const auto lines = sample_lines();
  append(log, lines, 0, lines.size());
  store::MaillogOptions options;
  options.batch_lines = 4;  // four batches, handed off one after the other
  std::vector<std::thread::id> writers;
  options.before_commit = [&] { writers.push_back(std::this_thread::get_id()); };
  store::MaillogReader reader(database.db(), test::semantics_classifier(), options);
  const auto stats = test::expect_ok(reader.read_file(log.string()));
  REQUIRE(writers.size() == 4);
  for (const auto& writer : writers) CHECK(writer != std::this_thread::get_id());
  // The same rows, queue and position as one batch would leave (the first test case).
  CHECK(stats.lines == 15);
  CHECK(stats.deliveries == 6);
  CHECK(database.count("sends") == 5);
  CHECK(database.scalar("SELECT sync_category || '/' || reply_code FROM sends WHERE recipient = "
                        "'full@example.net'") == "accepted/250");
  CHECK(database.scalar("SELECT sent_at FROM sends WHERE recipient = 'full@example.net'") ==
        "2026-01-08 09:14:03+00");
  CHECK(database.scalar("SELECT message_id || ' ' || verp_token FROM sends WHERE recipient = "
                        "'ok@example.org'") == "20260108091403.77A1C@sender.example t-9001");
  CHECK(database.scalar("SELECT string_agg(queue_id, ',') FROM maillog_queue") == "4dQn00000001B");
  CHECK(database.scalar("SELECT line_number FROM maillog_positions") == "15");
  CHECK(read(database.db(), log.string()).lines == 0);
}

TEST_CASE("maillog reads its queue ids again after a failed batch", "[store][maillog][fault]") {
  // The second of two batches fails: the first committed, the reader's queue ids were already
  // past it. Read again, the same reader starts at the first batch's end with the queue ids the
  // database holds, so the second batch's sends keep their Message-ID and first sighting.
  test::TestDatabase database;
  test::ScratchDir scratch;
  const auto log = scratch.path() / "maillog";
  const auto lines = sample_lines();
  append(log, lines, 0, lines.size());
  store::MaillogOptions options;
  options.batch_lines = 5;  // the cleanup and qmgr lines of 4dQm2j6Hc1z9sWp in the first
  int commits = 0;
  bool fail = true;
  options.before_commit = [&] {
    if (++commits == 2 && fail) {
      throw store::StoreError{store::StoreError::Kind::connection, "gone"};
    }
  };
  store::MaillogReader reader(database.db(), test::semantics_classifier(), options);
  REQUIRE(std::holds_alternative<store::StoreError>(reader.read_file(log.string())));
  CHECK(database.scalar("SELECT line_number FROM maillog_positions") == "5");
  fail = false;
  CHECK(test::expect_ok(reader.read_file(log.string())).lines == 10);
  CHECK(database.count("sends") == 5);
  CHECK(database.scalar("SELECT message_id || ' ' || sent_at FROM sends WHERE recipient = "
                        "'jane.doe@example.org'") ==
        "20260108091403.77A1C@sender.example 2026-01-08 09:14:03+00");
}
