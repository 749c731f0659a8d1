// Send log import: CSV and JSONL, errors with line numbers, synchronous classification,
// idempotent replay.
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "pg_fixture.hpp"
#include "send_reader.hpp"
#include "send_store.hpp"
#include "test_support.hpp"

using namespace bounced;

namespace {

struct Read {
  std::vector<store::SendRecord> records;
  std::vector<std::string> errors;
};

Read read_text(const std::string& text, store::SendFormat format) {
  Read out;
  std::istringstream in(text);
  store::read_sends(
      in, format, 2,
      [&](std::vector<store::SendRecord>& batch) {
        out.records.insert(out.records.end(), batch.begin(), batch.end());
        return true;
      },
      [&](const store::SendReadError& error) { out.errors.push_back(error.to_string("f")); });
  return out;
}

}  // namespace

TEST_CASE("CSV import reports each bad record with its line and keeps going", "[store][sends]") {
  const std::string csv =
      "send_id,recipient,sent_at,reply_code,reply_text,tier\n"       // 1
      "A,a@example.org,2026-01-08T09:00:00Z,250,ok,gold\n"           // 2
      "B,not-an-address,2026-01-08T09:00:00Z,250,ok,\n"              // 3
      "C,c@example.org,yesterday,250,ok,\n"                          // 4
      "D,\"d@example.org\",2026-01-08 09:00:00+01:00,550,\"multi\n"  // 5
      "line, with comma\",\n"                                        // 6
      "E,e@example.org,2026-01-08T09:00:00Z,25,short,\n"             // 7
      "F,f@example.org\n"                                            // 8
      "G,g@Example.ORG,1767862800,250,ok,\n";                        // 9
  Read read = read_text(csv, store::SendFormat::csv);
  REQUIRE(read.records.size() == 3);
  CHECK(read.records[0].attrs == R"({"tier":"gold"})");
  CHECK(read.records[1].reply_text == "multi\nline, with comma");
  CHECK(read.records[1].sent_at == *store::parse_iso_time("2026-01-08T08:00:00Z"));
  CHECK(read.records[2].recipient == "g@example.org");
  REQUIRE(read.errors.size() == 4);
  CHECK_THAT(read.errors[0], Catch::StartsWith("f:3: recipient 'not-an-address'"));
  CHECK_THAT(read.errors[1], Catch::StartsWith("f:4: sent_at 'yesterday'"));
  CHECK_THAT(read.errors[2], Catch::StartsWith("f:7: reply_code '25'"));
  CHECK_THAT(read.errors[3], Catch::StartsWith("f:8: 2 fields, the header has 6"));
}

TEST_CASE("JSONL import reports bad lines with their numbers", "[store][sends]") {
  const std::string jsonl =
      "{\"send_id\":\"A\",\"recipient\":\"a@example.org\",\"sent_at\":\"2026-01-08T09:00:00Z\","
      "\"reply_code\":250,\"extra\":{\"k\":1}}\n"
      "\n"
      "{not json}\n"
      "{\"send_id\":\"B\",\"sent_at\":\"2026-01-08T09:00:00Z\"}\n"
      "[1,2]\n";
  Read read = read_text(jsonl, store::SendFormat::jsonl);
  REQUIRE(read.records.size() == 1);
  CHECK(read.records[0].reply_code == "250");
  CHECK(read.records[0].attrs == R"({"extra":{"k":1}})");
  REQUIRE(read.errors.size() == 3);
  CHECK_THAT(read.errors[0], Catch::StartsWith("f:3: not JSON"));
  CHECK_THAT(read.errors[1], Catch::StartsWith("f:4: missing recipient"));
  CHECK_THAT(read.errors[2], Catch::StartsWith("f:5: not a JSON object"));
}

TEST_CASE("a CSV without recipient and sent_at columns is refused at line 1", "[store][sends]") {
  Read read = read_text("id,to_whom\n1,a@b.c\n", store::SendFormat::csv);
  CHECK(read.records.empty());
  REQUIRE(read.errors.size() == 1);
  CHECK_THAT(read.errors[0], Catch::StartsWith("f:1:"));
}

TEST_CASE("imported sends are classified and a replay inserts nothing", "[store][sends]") {
  test::TestDatabase database;
  std::ifstream file(test::kStoreFixtures / "sends.csv");
  std::stringstream text;
  text << file.rdbuf();
  auto classifier = test::semantics_classifier();
  store::SendStore sends(database.db(), {});
  auto import = [&] {
    std::istringstream in(text.str());
    size_t inserted = 0;
    store::read_sends(
        in, store::SendFormat::csv, 4,
        [&](std::vector<store::SendRecord>& batch) {
          for (auto& record : batch) store::classify_sync_outcome(record, *classifier);
          inserted += test::expect_ok(sends.write(batch)).inserted;
          return true;
        },
        [](const store::SendReadError& error) { FAIL(error.to_string("sends.csv")); });
    return inserted;
  };
  CHECK(import() == 6);
  CHECK(import() == 0);
  CHECK(database.count("sends") == 6);
  CHECK(database.scalar(
            "SELECT sync_category || '/' || sync_reason FROM sends WHERE send_id = 'S-5005'") ==
        "hard/user_unknown");
  CHECK(database.scalar("SELECT sync_category FROM sends WHERE send_id = 'S-1001'") == "accepted");
  CHECK(database.scalar("SELECT message_id FROM sends WHERE send_id = 'S-1001'") ==
        "20260108091403.77A1C@sender.example");
  CHECK(database.scalar("SELECT attrs->>'segment' FROM sends WHERE send_id = 'S-1001'") == "vip");
}

TEST_CASE("statistics are refreshed only where an import left them stale", "[store][sends]") {
  test::TestDatabase database;
  store::SendStore sends(database.db(), {});
  long next = 0;
  auto import = [&](long n, const std::string& day) {
    std::vector<store::SendRecord> batch;
    for (long i = 0; i < n; ++i, ++next) {
      store::SendRecord r;
      r.send_id = "S-" + std::to_string(next);
      r.recipient = "u" + std::to_string(next) + "@example.org";
      r.sent_at = *store::parse_iso_time(day + "T09:00:00Z");
      r.reply_code = "250";
      r.sync_category = "accepted";
      batch.push_back(std::move(r));
    }
    REQUIRE(test::expect_ok(sends.write(batch)).inserted == static_cast<size_t>(n));
  };
  auto estimate = [&](const std::string& table) {
    return database.scalar("SELECT reltuples::bigint FROM pg_class WHERE relname = '" + table +
                           "'");
  };
  using Names = std::vector<std::string>;
  // Never analyzed: the parent, and with it every month.
  import(20000, "2026-01-08");
  CHECK(test::expect_ok(sends.refresh_statistics()) == Names{"sends"});
  CHECK(estimate("sends_2026_01") == "20000");
  // 5% more rows: nothing is stale enough to pay a sample for.
  import(1000, "2026-01-09");
  CHECK(test::expect_ok(sends.refresh_statistics()).empty());
  CHECK(estimate("sends_2026_01") == "20000");
  // A new month never analyzed: the parent again (its rows' spread is unknown).
  import(3000, "2026-02-02");
  CHECK(test::expect_ok(sends.refresh_statistics()) == Names{"sends"});
  CHECK(estimate("sends_2026_02") == "3000");
  // February grows by half, the table by 6%: February alone.
  import(1500, "2026-02-03");
  CHECK(test::expect_ok(sends.refresh_statistics()) == Names{"sends_2026_02"});
  CHECK(estimate("sends_2026_02") == "4500");
  CHECK(estimate("sends_2026_01") == "21000");
}

TEST_CASE("a send listed twice in one import batch keeps its first line", "[store][sends]") {
  test::TestDatabase database;
  store::SendStore sends(database.db(), {});
  auto record = [](const std::string& campaign, const std::string& recipient) {
    store::SendRecord r;
    r.send_id = "S-1";
    r.recipient = recipient;
    r.campaign = campaign;
    r.sent_at = *store::parse_iso_time("2026-01-08T09:00:00Z");
    r.reply_code = "250";
    r.sync_category = "accepted";
    return r;
  };
  const auto summary = test::expect_ok(
      sends.write({record("first", "a@example.org"), record("other", "b@example.org"),
                   record("second", "a@example.org"), record("third", "a@example.org")}));
  CHECK(summary.inserted == 2);
  CHECK(summary.unchanged == 2);
  CHECK(database.scalar("SELECT string_agg(campaign || ':' || recipient, ',' ORDER BY id)"
                        " FROM sends") == "first:a@example.org,other:b@example.org");
}

TEST_CASE("a batch copies its new sends into their months and merges the known ones",
          "[store][sends]") {
  test::TestDatabase database;
  store::SendStore sends(database.db(), {});
  auto record = [](const std::string& send_id, const std::string& recipient,
                   const std::string& when, const std::string& category) {
    store::SendRecord r;
    r.send_id = send_id;
    r.message_id = send_id + "@sender.example";
    r.recipient = recipient;
    r.sent_at = *store::parse_iso_time(when);
    r.sync_category = category;
    if (category == "accepted") r.reply_code = "250";
    if (category == "hard") {
      r.reply_code = "550";
      r.enhanced_status = "5.1.1";
      r.sync_reason = "user_unknown";
    }
    return r;
  };
  // The MTA's log reported K first: the import's K is that row (same Message-ID and recipient).
  store::SendRecord logged =
      record("postfix:4dQ1", "k@example.org", "2026-01-08T09:00:05Z", "accepted");
  logged.message_id = "K@sender.example";
  logged.queue_id = "4dQ1";
  REQUIRE(test::expect_ok(sends.write({logged}, store::SendSource::maillog)).inserted == 1);

  const auto summary = test::expect_ok(sends.write({
      record("K", "k@example.org", "2026-01-08T09:00:00Z", "accepted"),
      record("P", "p@example.org", "2026-01-20T10:00:00Z", "pending"),
      record("H", "h@example.org", "2026-02-03T11:00:00Z", "hard"),
      record("A", "a@example.org", "2026-02-04T12:00:00Z", "accepted"),
      // Keys that differ only in the case of the address: both kept, as the merge keeps them.
      record("C", "Case@example.org", "2026-01-09T08:00:00Z", "accepted"),
      record("C", "case@example.org", "2026-01-09T08:00:00Z", "accepted"),
  }));
  CHECK(summary.inserted == 5);
  CHECK(summary.updated == 1);
  CHECK(summary.unchanged == 0);
  CHECK(summary.suppressed == 1);
  CHECK(database.count("sends") == 6);
  CHECK(database.scalar("SELECT send_id || ' ' || array_to_string(sources, ',') || ' ' ||"
                        " outcome_source FROM sends WHERE recipient = 'k@example.org'") ==
        "K maillog,import maillog");
  // The rows COPYed into their months carry what the INSERT of the merge path writes.
  CHECK(database.scalar("SELECT count(*) FROM sends_2026_01 WHERE send_id IN ('P', 'C')") == "3");
  CHECK(database.scalar("SELECT count(*) FROM sends_2026_02 WHERE send_id IN ('H', 'A')") == "2");
  CHECK(database.scalar("SELECT coalesce(outcome_at::text, 'null') || ' [' || outcome_source ||"
                        " '] ' || array_to_string(sources, ',') FROM sends WHERE send_id = 'P'") ==
        "null [] import");
  CHECK(database.scalar("SELECT (outcome_at = sent_at)::text || ' ' || outcome_source || ' ' ||"
                        " recipient_domain || ' ' || sync_reason || ' ' || message_id"
                        " FROM sends WHERE send_id = 'H'") ==
        "true import example.org user_unknown H@sender.example");
  CHECK(database.scalar("SELECT category FROM suppressions WHERE address = 'h@example.org'") ==
        "hard");
  // A replay of the batch finds every send: nothing written, nothing decided again.
  const auto again = test::expect_ok(sends.write({
      record("P", "p@example.org", "2026-01-20T10:00:00Z", "pending"),
      record("H", "h@example.org", "2026-02-03T11:00:00Z", "hard"),
  }));
  CHECK(again.inserted == 0);
  CHECK(again.updated == 0);
  CHECK(again.unchanged == 2);
  CHECK(database.count("SELECT 1 FROM suppression_events WHERE action = 'suppress'") == 1);
}

TEST_CASE("a Message-ID reported weeks apart is another send", "[store][sends]") {
  test::TestDatabase database;
  store::SendStore sends(database.db(), {});
  auto record = [](const std::string& send_id, const std::string& when) {
    store::SendRecord r;
    r.send_id = send_id;
    r.message_id = "M@sender.example";
    r.recipient = "m@example.org";
    r.sent_at = *store::parse_iso_time(when);
    r.reply_code = "250";
    r.sync_category = "accepted";
    return r;
  };
  store::SendRecord logged = record("postfix:4dQ9", "2026-01-08T09:00:05Z");
  logged.queue_id = "4dQ9";
  REQUIRE(test::expect_ok(sends.write({logged}, store::SendSource::maillog)).inserted == 1);
  // The same Message-ID sent to the same address a month later: a send of its own, not the
  // log's row.
  CHECK(test::expect_ok(sends.write({record("S-2", "2026-02-08T09:00:00Z")})).inserted == 1);
  // The send log's report of the logged message itself, 6 days before the log saw it (held in
  // the sender's queue): that row.
  CHECK(test::expect_ok(sends.write({record("S-1", "2026-01-02T09:00:00Z")})).updated == 1);
  CHECK(database.scalar("SELECT string_agg(send_id || ':' || array_to_string(sources, '+'), ','"
                        " ORDER BY sent_at) FROM sends") == "S-1:maillog+import,S-2:import");
}

TEST_CASE("a batch whose middle is stored already is merged, its new sends inserted",
          "[store][sends]") {
  test::TestDatabase database;
  store::SendStore sends(database.db(), {});
  auto record = [](const std::string& send_id, const std::string& category) {
    store::SendRecord r;
    r.send_id = send_id;
    r.recipient = send_id + "@example.org";
    r.sent_at = *store::parse_iso_time("2026-01-08T09:00:00Z");
    r.reply_code = category == "hard" ? "550" : "250";
    r.sync_category = category;
    if (category == "hard") r.sync_reason = "user_unknown";
    return r;
  };
  REQUIRE(test::expect_ok(sends.write({record("x", "accepted")})).inserted == 1);
  // First and last are new, so the batch is COPYed; the unique index refuses x, the COPY is
  // undone and the batch merged: nothing lost, nothing twice, the refusal decided once.
  const auto summary =
      test::expect_ok(sends.write({record("a", "accepted"), record("h", "hard"),
                                   record("x", "accepted"), record("z", "accepted")}));
  CHECK(summary.inserted == 3);
  CHECK(summary.unchanged == 1);
  CHECK(summary.suppressed == 1);
  CHECK(database.count("sends") == 4);
  CHECK(database.count("SELECT 1 FROM suppression_events WHERE action = 'suppress'") == 1);
  CHECK(database.scalar("SELECT string_agg(send_id || ':' || outcome_source, ',' ORDER BY"
                        " send_id) FROM sends") == "a:import,h:import,x:import,z:import");
}
