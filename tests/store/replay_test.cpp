// One send, one outcome, in every order of arrival. The same sixteen messages (seventeen sends)
// as three sources report them - the Postfix log (`maillog`), the sender's send log
// (`sends import`) and the bounce mailbox (`ingest`) - fed in each of the six orders: whatever
// the order, each send is one row carrying both the imported ids and the MTA's outcome, the
// mail Postfix delivered into the bounce mailbox is no send, each failure counts once (a
// refusal and the DSN Postfix wrote for it are one failure), delay warnings and deferrals never
// count, only an abuse report suppresses, the shipped thresholds are reached exactly where they
// should be, and the dashboard's bounce rates equal a count done here by hand.
//
// tests/fixtures/store/replay/README.md describes the sixteen messages.
#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <pqxx/pqxx>

#include "ingest/ingestor.hpp"
#include "maillog_reader.hpp"
#include "pg_fixture.hpp"
#include "send_reader.hpp"
#include "send_store.hpp"
#include "test_support.hpp"

using namespace bounced;

namespace {

const test::fs::path kReplay = test::kStoreFixtures / "replay";

enum class Source { maillog, send_log, mailbox };

std::string name_of(Source source) {
  switch (source) {
    case Source::maillog:
      return "maillog";
    case Source::send_log:
      return "send log";
    case Source::mailbox:
      return "mailbox";
  }
  return "";
}

// What each send ended as: the expectation the whole test is about.
struct Expected {
  const char* send_id;
  const char* recipient;
  const char* day;  // of sending
  const char* final_state;
};
const std::vector<Expected> kExpected = {
    {"S01", "ok1@example.org", "2026-01-12", "accepted"},
    {"S02", "ok2@example.org", "2026-01-12", "auto_reply"},
    {"S03", "gone@example.org", "2026-01-12", "sync_hard"},
    {"S04", "full@example.net", "2026-01-12", "sync_quota"},
    {"S05", "full@example.net", "2026-01-13", "sync_quota"},
    {"S06", "over@example.com", "2026-01-12", "sync_quota"},
    {"S07", "over@example.com", "2026-01-13", "sync_quota"},
    {"S08", "over@example.com", "2026-01-14", "async_quota"},
    {"S09", "blocked@example.net", "2026-01-12", "accepted"},
    {"S10", "complaint@example.com", "2026-01-12", "complaint"},
    {"S11", "happy@example.com", "2026-01-12", "feedback"},
    {"S12", "blocked@example.net", "2026-01-12", "async_soft"},
    {"S13", "multi1@example.net", "2026-01-12", "accepted"},
    {"S13", "multi2@example.org", "2026-01-12", "sync_hard"},
    {"S14", "blocked@example.net", "2026-01-12", "sync_soft"},
    {"S15", "blocked@example.net", "2026-01-13", "sync_soft"},
    {"S16", "blocked@example.net", "2026-01-14", "sync_soft"},
};

void read_maillog(store::Database& db, const test::fs::path& scratch) {
  // A copy: the reader keys its position by the file's first line, not by its path.
  const auto log = scratch / "maillog";
  test::fs::copy_file(kReplay / "maillog", log, test::fs::copy_options::overwrite_existing);
  store::MaillogOptions options;
  options.verp_prefix = "bounces";
  options.bounce_domains = {"bounce.sender.example"};
  store::MaillogReader reader(db, test::semantics_classifier(), options);
  const auto stats = test::expect_ok(reader.read_file(log.string()));
  CHECK(stats.deliveries == 19);  // S09's two deferrals and its final delivery are one send
  CHECK(stats.incoming == 15);    // the bounce mailbox's fifteen mails
}

void import_send_log(store::Database& db) {
  std::ifstream in(kReplay / "sends.csv");
  REQUIRE(in);
  store::SendStore sends(db, {});
  auto classifier = test::semantics_classifier();
  const auto stats = store::read_sends(
      in, store::SendFormat::csv, 5,  // several batches
      [&](std::vector<store::SendRecord>& batch) {
        for (auto& record : batch) store::classify_sync_outcome(record, *classifier);
        test::expect_ok(sends.write(batch));
        return true;
      },
      [](const store::SendReadError& error) { FAIL(error.to_string("sends.csv")); });
  CHECK(stats.records == 17);
}

void ingest_mailbox(store::Database& db, const test::fs::path& scratch) {
  // The Maildir as Dovecot left it: each file's mtime is its delivery time, which Maildir also
  // writes at the head of the file name.
  const auto maildir = scratch / "Maildir";
  for (const char* sub : {"cur", "new", "tmp"}) test::fs::create_directories(maildir / sub);
  for (const auto& entry : test::fs::directory_iterator(kReplay / "Maildir" / "new")) {
    const auto target = maildir / "new" / entry.path().filename();
    test::fs::copy_file(entry.path(), target);
    const std::string name = entry.path().filename().string();
    test::set_received(target, name.substr(0, name.find('.')));
  }
  auto pipeline = test::semantics_pipeline();
  store::BounceStore bounces(db, {});
  daemon::IngestOptions options;
  options.batch_size = 4;  // several batches
  options.record.verp_prefix = "bounces";
  daemon::Ingestor ingestor(pipeline, bounces, options);
  const auto report = ingestor.ingest({maildir.string()});
  CHECK(report.store_error.empty());
  CHECK(report.stored == 15);
  CHECK(report.acknowledged == 15);
}

// "key=value; ..." so that a failed comparison shows what differs.
std::string text(const std::map<std::string, std::string>& map) {
  std::string out;
  for (const auto& [key, value] : map) out += key + "=" + value + "; ";
  return out;
}

std::map<std::string, std::string> rows(test::TestDatabase& database, const std::string& sql) {
  std::map<std::string, std::string> out;
  pqxx::connection connection(database.conninfo());
  pqxx::nontransaction tx(connection);
  for (const auto& row : tx.exec(sql)) out[row[0].c_str()] = row[1].c_str();
  return out;
}

}  // namespace

TEST_CASE("the Postfix log, the send log and the bounce mailbox of the same sends, in any order",
          "[store][replay]") {
  std::vector<Source> order = {Source::maillog, Source::send_log, Source::mailbox};
  std::vector<std::vector<Source>> orders;
  do orders.push_back(order);
  while (std::next_permutation(order.begin(), order.end()));
  const auto this_order = GENERATE_COPY(from_range(orders));
  std::string described;
  for (Source source : this_order) described += (described.empty() ? "" : ", ") + name_of(source);
  INFO("order of arrival: " << described);

  test::TestDatabase database;
  test::ScratchDir scratch;
  for (Source source : this_order) {
    switch (source) {
      case Source::maillog:
        read_maillog(database.db(), scratch.path());
        break;
      case Source::send_log:
        import_send_log(database.db());
        break;
      case Source::mailbox:
        ingest_mailbox(database.db(), scratch.path());
        break;
    }
  }

  // One row per send, carrying what both sides know of it; no row for the bounce mailbox.
  CHECK(database.count("sends") == 17);
  CHECK(database.count("SELECT 1 FROM sends WHERE sources @> '{import,maillog}' AND "
                       "send_id LIKE 'S%' AND campaign <> '' AND queue_id <> '' AND "
                       "outcome_source = 'maillog'") == 17);
  CHECK(database.count("SELECT 1 FROM sends WHERE recipient_domain = 'bounce.sender.example' OR "
                       "recipient LIKE 'bounces+%' OR recipient LIKE 'fbl@%'") == 0);

  // The final state of every send.
  const auto states =
      rows(database, "SELECT send_id || ' ' || recipient, final_state FROM delivery_outcomes");
  REQUIRE(states.size() == kExpected.size());
  for (const auto& expected : kExpected) {
    const std::string key = std::string(expected.send_id) + " " + expected.recipient;
    INFO(key);
    REQUIRE(states.contains(key));
    CHECK(states.at(key) == expected.final_state);
  }

  // Every mail of the mailbox is stored and joined; the nine DSNs Postfix wrote for refusals
  // are the same failures as those refusals; the delay warning is `delayed`.
  CHECK(database.count("bounces") == 15);
  CHECK(database.count("SELECT 1 FROM bounces WHERE send_row_id IS NULL") == 0);
  CHECK(database.count("SELECT 1 FROM bounces WHERE same_failure") == 9);
  CHECK(database.scalar("SELECT category FROM bounces WHERE action = 'delayed'") == "delayed");

  // Each failure counted once, as the policy counts: refusals, and reports that are not the
  // same failure as a refusal. Deferrals, delay warnings, auto-replies and feedback are none.
  const auto failures =
      rows(database,
           "SELECT address, count(*)::text FROM (SELECT lower(recipient) AS address FROM bounces"
           " WHERE category IN ('hard', 'soft', 'quota', 'unknown') AND NOT same_failure UNION ALL"
           " SELECT lower(recipient) FROM sends WHERE sync_category IN ('hard', 'soft', 'quota',"
           " 'unknown')) f GROUP BY 1");
  const std::map<std::string, std::string> expected_failures = {{"gone@example.org", "1"},
                                                                {"multi2@example.org", "1"},
                                                                {"full@example.net", "2"},
                                                                {"over@example.com", "3"},
                                                                {"blocked@example.net", "4"}};
  CHECK(text(failures) == text(expected_failures));

  // The shipped policy: hard and abuse at once; quota at the third within 7 days (over@, not
  // full@ with two); soft at the fifth within 3 days (blocked@ has four: counting a DSN twice,
  // the deferral or the delay warning would make it five); not-spam never.
  const auto suppressed = rows(
      database,
      "SELECT address, category || ' ' || regexp_replace(note, ' \\(refused at send time\\)$', '')"
      " FROM suppressions WHERE state = 'active'");
  const std::map<std::string, std::string> expected_suppressed = {
      {"gone@example.org", "hard hard"},
      {"multi2@example.org", "hard hard"},
      {"over@example.com", "quota quota: 3 within 7d"},
      {"complaint@example.com", "complaint complaint"}};
  CHECK(text(suppressed) == text(expected_suppressed));
  // Each decided once, whichever source reported the failure first.
  CHECK(database.count("SELECT 1 FROM suppression_events WHERE action = 'suppress'") == 4);
  CHECK(database.count("SELECT 1 FROM outbox WHERE event = 'suppressed'") == 4);

  // The dashboard view against a count by hand, per day of sending and recipient domain.
  struct Tally {
    int sends = 0, hard = 0, soft = 0, complaints = 0;
  };
  std::map<std::string, Tally> by_hand;
  for (const auto& expected : kExpected) {
    const std::string recipient = expected.recipient;
    Tally& tally =
        by_hand[std::string(expected.day) + " " + recipient.substr(recipient.find('@') + 1)];
    const std::string state = expected.final_state;
    ++tally.sends;
    tally.hard += state == "sync_hard" || state == "async_hard";
    tally.soft += state.ends_with("_soft") || state.ends_with("_quota");
    tally.complaints += state == "complaint";
  }
  std::map<std::string, std::string> expected_rates;
  for (const auto& [key, tally] : by_hand) {
    char line[128];
    std::snprintf(line, sizeof line, "%d %d %d %d %.4f %.4f", tally.sends, tally.hard, tally.soft,
                  tally.complaints, static_cast<double>(tally.hard + tally.soft) / tally.sends,
                  static_cast<double>(tally.complaints) / tally.sends);
    expected_rates[key] = line;
  }
  const auto rates = rows(
      database,
      "SELECT to_char(day, 'YYYY-MM-DD') || ' ' || recipient_domain, concat_ws(' ', sends, hard,"
      " soft, complaints, bounce_rate, complaint_rate) FROM domain_bounce_rates");
  CHECK(text(rates) == text(expected_rates));
  // (For the record: example.net on the 12th is 3 of 5, example.org 2 of 4.)
  CHECK(rates.at("2026-01-12 example.net") == "5 0 3 0 0.6000 0.0000");
  CHECK(rates.at("2026-01-12 example.org") == "4 2 0 0 0.5000 0.0000");
}
