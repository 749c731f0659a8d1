// Several writers, one database: two connections (or two bounced processes) writing at once.
// The deterministic cases hold the first writer's transaction open just before COMMIT (after it
// has joined and decided) while the second writes: without the outcome lock the second would
// decide without the first's rows and each of these tests fails.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <thread>

#include "bounce_store.hpp"
#include "partitions.hpp"
#include "pg_fixture.hpp"
#include "send_store.hpp"
#include "suppression_store.hpp"
#include "test_support.hpp"

using namespace bounced;
using namespace std::chrono_literals;

namespace {

store::BounceRecord verdict(const std::string& recipient, const std::string& category,
                            const std::string& reason, const std::string& when, int n) {
  store::BounceRecord record;
  record.source = "synthetic-" + std::to_string(n);
  record.raw = "Subject: synthetic " + std::to_string(n) + " " + recipient + "\n\nx\n";
  record.received_at = *store::parse_iso_time(when);
  record.kind = "dsn";
  store::BounceRecipientRecord r;
  r.address = recipient;
  r.action = "failed";
  r.category = category;
  r.reason = reason;
  r.rule = "test";
  record.recipients.push_back(r);
  return record;
}

// Writes `first` on one connection and holds its transaction open before COMMIT; meanwhile
// writes `second` on another connection. Returns how long the second write took.
template <typename First, typename Second>
std::chrono::milliseconds overlap(First&& first, Second&& second) {
  std::atomic<bool> holding{false};
  std::thread one([&] {
    first([&] {
      holding = true;
      std::this_thread::sleep_for(1500ms);
    });
  });
  while (!holding) std::this_thread::sleep_for(5ms);
  const auto start = std::chrono::steady_clock::now();
  second();
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  one.join();
  return took;
}

std::optional<store::Suppression> suppression(store::Database& db, const std::string& address) {
  store::SuppressionStore suppressions(db);
  return test::expect_ok(suppressions.check(address));
}

}  // namespace

TEST_CASE("a threshold counts the verdicts that two writers commit at once",
          "[store][concurrency]") {
  test::TestDatabase database;
  auto other = test::expect_ok(store::Database::connect(database.conninfo()));
  const auto now = store::now_seconds();
  auto at = [&](int minutes) {
    return store::format_iso_time(now - std::chrono::minutes(minutes));
  };
  // Soft suppresses at the fifth within 3 days: three from one writer, two from the other.
  const auto took = overlap(
      [&](std::function<void()> hold) {
        store::BounceStoreOptions options;
        options.before_commit = hold;
        store::BounceStore store(database.db(), options);
        std::vector<store::BounceRecord> batch{
            verdict("x@example.net", "soft", "policy_rejected", at(50), 1),
            verdict("x@example.net", "soft", "policy_rejected", at(40), 2),
            verdict("x@example.net", "soft", "policy_rejected", at(30), 3)};
        test::expect_ok(store.write(batch));
      },
      [&] {
        store::BounceStore store(*other, {});
        std::vector<store::BounceRecord> batch{
            verdict("x@example.net", "soft", "policy_rejected", at(20), 4),
            verdict("x@example.net", "soft", "policy_rejected", at(10), 5)};
        CHECK(test::expect_ok(store.write(batch)).suppressed == 1);
      });
  CHECK(took >= 1000ms);  // the second waited for the first's COMMIT
  const auto found = suppression(database.db(), "x@example.net");
  REQUIRE(found);
  CHECK(found->active);
  CHECK(found->note == "soft: 5 within 3d");
}

TEST_CASE("a soft verdict written at once never makes a hard suppression expire",
          "[store][concurrency]") {
  test::TestDatabase database;
  auto other = test::expect_ok(store::Database::connect(database.conninfo()));
  const auto now = store::now_seconds();
  auto at = [&](int minutes) {
    return store::format_iso_time(now - std::chrono::minutes(minutes));
  };
  // Four soft verdicts are stored; the fifth (which reaches the soft threshold: an expiring
  // suppression) is written while another writer's hard bounce is about to commit.
  {
    store::BounceStore store(database.db(), {});
    std::vector<store::BounceRecord> batch;
    for (int i = 0; i < 4; ++i) {
      batch.push_back(verdict("y@example.net", "soft", "policy_rejected", at(60 - i), 10 + i));
    }
    test::expect_ok(store.write(batch));
  }
  overlap(
      [&](std::function<void()> hold) {
        store::BounceStoreOptions options;
        options.before_commit = hold;
        store::BounceStore store(database.db(), options);
        std::vector<store::BounceRecord> batch{
            verdict("y@example.net", "hard", "user_unknown", at(20), 20)};
        test::expect_ok(store.write(batch));
      },
      [&] {
        store::BounceStore store(*other, {});
        std::vector<store::BounceRecord> batch{
            verdict("y@example.net", "soft", "policy_rejected", at(10), 21)};
        test::expect_ok(store.write(batch));
      });
  const auto found = suppression(database.db(), "y@example.net");
  REQUIRE(found);
  CHECK(found->active);
  CHECK(found->category == "hard");
  CHECK_FALSE(found->expires_at);
  CHECK(database.count("SELECT 1 FROM suppression_events WHERE address = 'y@example.net'") == 1);
}

TEST_CASE("a bounce and its send written at once by two writers find each other",
          "[store][concurrency]") {
  test::TestDatabase database;
  auto other = test::expect_ok(store::Database::connect(database.conninfo()));
  const auto sent = store::now_seconds() - std::chrono::hours(2);
  // The months exist already (creating one would wait for the other writer by itself).
  for (const char* table : {"sends", "bounces"}) {
    store::PartitionKeeper keeper(table);
    REQUIRE(store::ok(keeper.ensure(database.db(), {sent})));
  }
  overlap(
      [&](std::function<void()> hold) {
        // The bounce: its join finds no send, it is held before COMMIT ...
        store::BounceStoreOptions options;
        options.before_commit = hold;
        store::BounceStore store(database.db(), options);
        auto record = verdict("z@example.org", "hard", "user_unknown",
                              store::format_iso_time(sent + std::chrono::minutes(5)), 30);
        record.original_message_id = "race.1@sender.example";
        std::vector<store::BounceRecord> batch{record};
        CHECK(test::expect_ok(store.write(batch)).joined.total() == 0);
      },
      [&] {
        // ... while the send it answers is written: its late join must wait and see it.
        store::SendStore sends(*other, {});
        store::SendRecord send;
        send.send_id = "race-1";
        send.message_id = "race.1@sender.example";
        send.recipient = "z@example.org";
        send.sent_at = sent;
        send.reply_code = "250";
        send.sync_category = "accepted";
        CHECK(test::expect_ok(sends.write({send})).late_joined.message_id == 1);
      });
  CHECK(database.scalar("SELECT join_method FROM bounces WHERE recipient = 'z@example.org'") ==
        "message_id");
}

namespace {

// A DSN the shipped rules call soft (a blocklist), unique by n.
std::string soft_dsn(const std::string& recipient, int n) {
  return "From: MAILER-DAEMON@mail.sender.example (Mail Delivery System)\n"
         "To: bounces@sender.example\nSubject: Undelivered Mail Returned to Sender\n"
         "Message-Id: <dsn." +
         std::to_string(n) +
         "@mail.sender.example>\nMIME-Version: 1.0\n"
         "Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n\n"
         "--b\nContent-Type: text/plain\n\nThe mail system\n\n"
         "--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mail.sender.example\n\n"
         "Final-Recipient: rfc822; " +
         recipient +
         "\nAction: failed\nStatus: 5.7.1\nDiagnostic-Code: smtp; 554 5.7.1 Service unavailable;"
         " Client host [198.51.100.25] blocked using bl.example.net\n\n--b--\n";
}

// Runs bounced with these arguments; returns its exit status.
pid_t start_bounced(const std::vector<std::string>& arguments, const test::fs::path& log) {
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    std::vector<char*> argv{const_cast<char*>(BOUNCED_BINARY)};
    for (const auto& argument : arguments) argv.push_back(const_cast<char*>(argument.c_str()));
    argv.push_back(nullptr);
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    execv(BOUNCED_BINARY, argv.data());
    _exit(127);
  }
  return pid;
}

int wait_for(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string read_text(const test::fs::path& file) {
  std::ifstream in(file);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

TEST_CASE("two bounced processes ingesting at once: new months, one threshold",
          "[store][concurrency][process]") {
  test::TestDatabase database;
  test::ScratchDir scratch;
  // Each process gets three soft bounces for one address, received in months that have no
  // partition yet (each process creates this month's and next month's at start and each batch
  // of one needs its month: the two race to create them), within 3 days of each other: six in
  // all, so the fifth suppresses.
  const std::vector<std::string> times = {"2025-03-30T10:00:00Z", "2025-03-31T12:00:00Z",
                                          "2025-04-01T09:00:00Z"};
  std::vector<test::fs::path> maildirs;
  for (int p = 0; p < 2; ++p) {
    const auto maildir = scratch.path() / ("Maildir" + std::to_string(p));
    for (const char* sub : {"cur", "new", "tmp"}) test::fs::create_directories(maildir / sub);
    for (size_t i = 0; i < times.size(); ++i) {
      const int n = p * 10 + static_cast<int>(i);
      const auto file = maildir / "new" / ("m" + std::to_string(n));
      std::ofstream(file) << soft_dsn("racer@example.net", n);
      test::set_received(file, times[i]);
    }
    maildirs.push_back(maildir);
  }
  std::vector<pid_t> pids;
  for (int p = 0; p < 2; ++p) {
    pids.push_back(
        start_bounced({"ingest", "--database", database.conninfo(), "--state-dir",
                       (scratch.path() / "state").string(), "--batch", "1", maildirs[p].string()},
                      scratch.path() / ("log" + std::to_string(p))));
  }
  for (int p = 0; p < 2; ++p) {
    INFO(read_text(scratch.path() / ("log" + std::to_string(p))));
    CHECK(wait_for(pids[p]) == 0);
  }
  CHECK(database.count("bounces") == 6);
  CHECK(database.scalar("SELECT string_agg(relname, ',' ORDER BY relname) FROM pg_class WHERE "
                        "relname LIKE 'bounces_2025_%' AND relkind = 'r'") ==
        "bounces_2025_03,bounces_2025_04");
  // Neither process alone has more than three: the threshold was counted across both. (Which
  // verdict crossed it depends on the interleaving: each is counted among those received before
  // it, so the one that crosses it sees five or six.)
  CHECK_THAT(database.scalar("SELECT note FROM suppression_events WHERE address = "
                             "'racer@example.net' ORDER BY id LIMIT 1"),
             Catch::Matches("soft: [56] within 3d"));
  CHECK(database.scalar("SELECT category || ' ' || expires_at FROM suppressions WHERE address = "
                        "'racer@example.net'") == "soft 2025-04-15 09:00:00+00");
}

TEST_CASE("two bounced processes importing the same send log at once store each send once",
          "[store][concurrency][process][sends]") {
  test::TestDatabase database;
  test::ScratchDir scratch;
  // 2,400 sends over two months, every 40th refused with 550 5.1.1; batches of 150, so the two
  // processes' batches interleave: each batch must see what the other committed before it
  // decides which of its records are new (COPYed straight into the month) and which are rows
  // already (merged). Seeing too little would COPY a send twice (a unique violation, exit 3).
  const auto csv = scratch.path() / "sends.csv";
  {
    std::ofstream out(csv);
    out << "send_id,message_id,recipient,sent_at,reply_code,reply_text\n";
    for (int i = 0; i < 2400; ++i) {
      const bool refused = i % 40 == 0;
      out << "R-" << i << ",<" << i << ".race@sender.example>,u" << i << "@example.org,"
          << (i % 2 ? "2025-05-" : "2025-06-") << (10 + i % 18) << "T10:00:00Z,"
          << (refused ? "550,5.1.1 User unknown" : "250,Ok") << "\n";
    }
  }
  std::vector<pid_t> pids;
  for (int p = 0; p < 2; ++p) {
    pids.push_back(
        start_bounced({"sends", "import", "--database", database.conninfo(), "--state-dir",
                       (scratch.path() / "state").string(), "--batch", "150", csv.string()},
                      scratch.path() / ("log" + std::to_string(p))));
  }
  for (int p = 0; p < 2; ++p) {
    INFO(read_text(scratch.path() / ("log" + std::to_string(p))));
    CHECK(wait_for(pids[p]) == 0);
  }
  CHECK(database.count("sends") == 2400);
  CHECK(database.count("SELECT DISTINCT send_id FROM sends") == 2400);
  CHECK(database.count("SELECT 1 FROM sends_2025_05") == 1200);
  CHECK(database.count("SELECT 1 FROM sends WHERE sync_category = 'hard' AND outcome_at = sent_at"
                       " AND outcome_source = 'import' AND sources = '{import}'") == 60);
  // Each refusal decided once, whichever process wrote it.
  CHECK(database.count("suppressions") == 60);
  CHECK(database.count("SELECT 1 FROM suppression_events WHERE action = 'suppress'") == 60);
  // Between them the two processes imported every send once and found the rest known.
  size_t imported = 0;
  for (int p = 0; p < 2; ++p) {
    const std::string log = read_text(scratch.path() / ("log" + std::to_string(p)));
    const auto at = log.find("imported ");
    REQUIRE(at != std::string::npos);
    imported += std::stoul(log.substr(at + 9));
  }
  CHECK(imported == 2400);
}
