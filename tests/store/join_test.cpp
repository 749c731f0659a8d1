// Every join method, the late join of a bounce whose send arrives after it, and the window.
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "ingest/ingestor.hpp"
#include "pg_fixture.hpp"
#include "send_reader.hpp"
#include "send_store.hpp"
#include "test_support.hpp"

using namespace bounced;

namespace {

store::SendWriteSummary import_sends(store::Database& db, const std::string& text,
                                     store::JoinOptions join = {}) {
  std::istringstream in(text);
  store::SendStore sends(db, join);
  store::SendWriteSummary total;
  auto classifier = test::semantics_classifier();
  store::read_sends(
      in, text.starts_with("{") ? store::SendFormat::jsonl : store::SendFormat::csv, 1000,
      [&](std::vector<store::SendRecord>& batch) {
        for (auto& record : batch) store::classify_sync_outcome(record, *classifier);
        auto summary = test::expect_ok(sends.write(batch));
        total.inserted += summary.inserted;
        total.unchanged += summary.unchanged;
        total.late_joined.verp += summary.late_joined.verp;
        total.late_joined.message_id += summary.late_joined.message_id;
        total.late_joined.header += summary.late_joined.header;
        total.late_joined.recipient_window += summary.late_joined.recipient_window;
        return true;
      },
      [](const store::SendReadError& error) { FAIL(error.to_string("sends")); });
  return total;
}

std::string fixture_text(const std::string& name) {
  std::ifstream in(test::kStoreFixtures / name);
  REQUIRE(in);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Ingests the store bounces (or the named fixtures), each received when it arrived.
daemon::IngestReport ingest_fixtures(store::Database& db, store::JoinOptions join = {},
                                     const std::vector<std::string>& fixtures = {}) {
  test::ScratchDir scratch;
  const test::fs::path path =
      fixtures.empty()
          ? test::staged_store_fixtures(scratch.path() / "in")
          : (test::copy_fixtures(scratch.path() / "in", fixtures), scratch.path() / "in");
  auto pipeline = test::semantics_pipeline();
  store::BounceStoreOptions options;
  options.join = join;
  store::BounceStore store(db, options);
  daemon::IngestOptions ingest_options;
  ingest_options.record.verp_prefix = "bounces";
  ingest_options.record.join_header = join.header;
  daemon::Ingestor ingestor(pipeline, store, ingest_options);
  return ingestor.ingest({path.string()});
}

std::string joined(test::TestDatabase& database, const std::string& recipient) {
  return database.scalar(
      "SELECT COALESCE(b.join_method, 'none') || ':' || COALESCE(s.send_id, '-') || ':' || "
      "b.joined_late FROM bounces b LEFT JOIN sends s ON s.id = b.send_row_id AND s.sent_at = "
      "b.send_sent_at WHERE b.recipient = '" +
      recipient + "'");
}

}  // namespace

TEST_CASE("each bounce finds its send by VERP or Message-ID or header or recipient",
          "[store][join]") {
  test::TestDatabase database;
  auto sends = import_sends(database.db(), fixture_text("sends.csv"));
  CHECK(sends.inserted == 6);
  auto report = ingest_fixtures(database.db());
  CHECK(report.joined == 4);
  CHECK(joined(database, "ghost@example.com") == "verp:S-3003:false");
  CHECK(joined(database, "jane.doe@example.org") == "message_id:S-1001:false");
  CHECK(joined(database, "tom@example.net") == "header:S-2002:false");
  CHECK(joined(database, "Mixed.Case@example.com") == "recipient_window:S-4004:false");
}

TEST_CASE("a bounce that arrives before its send is joined when the send arrives",
          "[store][join]") {
  test::TestDatabase database;
  auto report = ingest_fixtures(database.db());
  CHECK(report.joined == 0);
  CHECK(database.count("SELECT 1 FROM bounces WHERE send_row_id IS NULL") == 4);
  auto sends = import_sends(database.db(), fixture_text("sends.csv"));
  CHECK(sends.late_joined.total() == 4);
  CHECK(joined(database, "ghost@example.com") == "verp:S-3003:true");
  CHECK(joined(database, "jane.doe@example.org") == "message_id:S-1001:true");
  CHECK(joined(database, "tom@example.net") == "header:S-2002:true");
  CHECK(joined(database, "Mixed.Case@example.com") == "recipient_window:S-4004:true");
}

TEST_CASE("the recipient join only looks back as far as the window", "[store][join]") {
  test::TestDatabase database;
  store::JoinOptions narrow;
  narrow.window = std::chrono::minutes(30);  // the bounce came 1 hour after S-4004
  import_sends(database.db(), fixture_text("sends.csv"), narrow);
  ingest_fixtures(database.db(), narrow);
  CHECK(joined(database, "Mixed.Case@example.com") == "none:-:false");
  CHECK(joined(database, "jane.doe@example.org") == "message_id:S-1001:false");
}

TEST_CASE("a configured join header other than the default is used", "[store][join]") {
  test::TestDatabase database;
  store::JoinOptions other;
  other.header = "X-Campaign-Id";  // not present in the fixtures: the header method finds nothing
  import_sends(database.db(), fixture_text("sends.csv"), other);
  ingest_fixtures(database.db(), other);
  // tom's bounce has a rewritten Message-ID and no VERP: only the recipient window is left.
  CHECK(joined(database, "tom@example.net") == "recipient_window:S-2002:false");
}

TEST_CASE("another recipient's line in a report does not join to a message sent to one recipient",
          "[store][join]") {
  // The Postfix report lists bob (mailbox full) and jane (user unknown); the message with that
  // Message-ID and X-Bounced-Send-Id went to bob only. jane's hard bounce is not bob's.
  test::TestDatabase database;
  import_sends(database.db(), fixture_text("join/sends.csv"));
  ingest_fixtures(database.db(), {}, {"join/two-recipients-one-send.eml"});
  CHECK(joined(database, "bob@example.net") == "message_id:7f1e2d3c-0001:false");
  CHECK(joined(database, "jane@example.org") == "none:-:false");
  CHECK(database.scalar("SELECT final_state FROM delivery_outcomes WHERE send_id = "
                        "'7f1e2d3c-0001'") == "async_quota");
}

TEST_CASE(
    "the one recipient of a report joins the one recipient of its message under another "
    "address",
    "[store][join]") {
  // robert@mail.example.net is where rob@example.net was forwarded to, with no
  // Original-Recipient: one line in the report, one recipient of the message.
  test::TestDatabase database;
  import_sends(database.db(), fixture_text("join/sends.csv"));
  ingest_fixtures(database.db(), {}, {"join/forwarded-only-recipient.eml"});
  CHECK(joined(database, "robert@mail.example.net") == "message_id:7f1e2d3c-0002:false");
}

TEST_CASE("a report for a message sent to several recipients joins by recipient only",
          "[store][join]") {
  // The same one-line report, but the message went to two people: which one robert@ is cannot
  // be told, so neither send is taken.
  test::TestDatabase database;
  import_sends(database.db(),
               fixture_text("join/sends.csv") +
                   "7f1e2d3c-0002,<spring-sale.8f3a1d@mailer.sender.example>,,amy@example.net,"
                   "spring-sale-2026,promo,acme,2026-01-08T07:30:00Z,250,2.0.0,Ok\n");
  ingest_fixtures(database.db(), {}, {"join/forwarded-only-recipient.eml"});
  CHECK(joined(database, "robert@mail.example.net") == "none:-:false");
}
