// Refusals at send time feed the suppression policy like bounces: a 550 5.1.1 in the send log
// suppresses as a hard bounce does, 4xx refusals count towards the thresholds together with
// bounces, and replaying the log suppresses nothing twice.
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "bounce_store.hpp"
#include "pg_fixture.hpp"
#include "send_reader.hpp"
#include "send_store.hpp"
#include "suppression_store.hpp"
#include "test_support.hpp"

using namespace bounced;

namespace {

store::SendWriteSummary import_fixture_sends(store::Database& db) {
  std::ifstream in(test::kStoreFixtures / "sends.csv");
  REQUIRE(in);
  store::SendStore sends(db, {});
  store::SendWriteSummary total;
  auto classifier = test::semantics_classifier();
  store::read_sends(
      in, store::SendFormat::csv, 1000,
      [&](std::vector<store::SendRecord>& batch) {
        for (auto& record : batch) store::classify_sync_outcome(record, *classifier);
        auto summary = test::expect_ok(sends.write(batch));
        total.inserted += summary.inserted;
        total.suppressed += summary.suppressed;
        return true;
      },
      [](const store::SendReadError& error) { FAIL(error.to_string("sends.csv")); });
  return total;
}

store::SendRecord refusal(const std::string& id, const std::string& recipient,
                          const std::string& when) {
  store::SendRecord send;
  send.send_id = id;
  send.recipient = recipient;
  send.sent_at = *store::parse_iso_time(when);
  send.reply_code = "452";
  send.enhanced_status = "4.2.2";
  send.reply_text = "4.2.2 Mailbox full";
  send.sync_category = "quota";
  send.sync_reason = "mailbox_full";
  return send;
}

std::optional<store::Suppression> suppression_of(store::Database& db, const std::string& address) {
  store::SuppressionStore suppressions(db);
  return test::expect_ok(suppressions.check(address));
}

}  // namespace

TEST_CASE("a 5xx refusal in the send log suppresses like a hard bounce, once",
          "[store][suppression]") {
  test::TestDatabase database;
  // S-5005 was refused with 550 5.1.1; the other five were accepted.
  auto first = import_fixture_sends(database.db());
  CHECK(first.inserted == 6);
  CHECK(first.suppressed == 1);
  auto found = suppression_of(database.db(), "rejected@example.org");
  REQUIRE(found);
  CHECK(found->active);
  CHECK(found->category == "hard");
  CHECK_FALSE(found->expires_at);
  CHECK_THAT(found->note, Catch::Contains("refused at send time"));
  CHECK_FALSE(suppression_of(database.db(), "ok@example.org"));
  CHECK(database.count("SELECT 1 FROM outbox WHERE event = 'suppressed'") == 1);

  auto replay = import_fixture_sends(database.db());
  CHECK(replay.inserted == 0);
  CHECK(replay.suppressed == 0);
  CHECK(database.count("suppression_events") == 1);
}

TEST_CASE("4xx refusals at send time count towards a threshold with bounces",
          "[store][suppression]") {
  test::TestDatabase database;
  // Quota suppresses at the third within 7 days: two refusals at send time, then one bounce.
  store::SendStore sends(database.db(), {});
  auto written =
      test::expect_ok(sends.write({refusal("q-1", "full@example.org", "2026-01-01T10:00:00Z"),
                                   refusal("q-2", "full@example.org", "2026-01-03T10:00:00Z")}));
  CHECK(written.suppressed == 0);
  CHECK_FALSE(suppression_of(database.db(), "full@example.org"));

  store::BounceStore bounces(database.db(), {});
  store::BounceRecord record;
  record.source = "synthetic";
  record.raw = "Subject: full\n\nx\n";
  record.received_at = *store::parse_iso_time("2026-01-05T10:00:00Z");
  record.kind = "dsn";
  record.recipients.push_back({"full@example.org", "", "failed", "4.2.2", "452", "Mailbox full", "",
                               "quota", "mailbox_full", "test"});
  std::vector<store::BounceRecord> batch{record};
  auto summary = test::expect_ok(bounces.write(batch));
  CHECK(summary.suppressed == 1);
  auto found = suppression_of(database.db(), "full@example.org");
  REQUIRE(found);
  CHECK(found->active);
  CHECK(found->category == "quota");
}
