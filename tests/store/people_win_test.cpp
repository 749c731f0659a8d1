// People win over replays: a manual removal holds until a hard bounce or complaint received
// after it. Re-classifying old mail (or replaying it) never re-suppresses a removed address,
// and `suppressions history` keeps the removal and its note next to every other change.
#include <catch2/catch.hpp>

#include "ingest/ingestor.hpp"
#include "pg_fixture.hpp"
#include "reclassifier.hpp"
#include "suppression_store.hpp"
#include "test_support.hpp"

using namespace bounced;

namespace {

std::string history_text(store::Database& db, const std::string& address) {
  store::SuppressionStore suppressions(db);
  std::string out;
  for (const auto& change : test::expect_ok(suppressions.history(address))) {
    out += change.action + " " + change.category + " " + change.note + "; ";
  }
  return out;
}

}  // namespace

TEST_CASE("a manual removal survives reclassify and gives way to a newer hard bounce",
          "[store][suppression][reclassify]") {
  test::TestDatabase database;
  test::ScratchDir scratch;
  auto pipeline = test::semantics_pipeline();
  store::BounceStore store(database.db(), {});
  test::copy_fixtures(scratch.path() / "in", {"message-id-user-unknown.eml"});  // 8 Jan 2026
  daemon::Ingestor(pipeline, store, {}).ingest({(scratch.path() / "in").string()});
  store::SuppressionStore suppressions(database.db());
  REQUIRE(test::expect_ok(suppressions.check("jane.doe@example.org"))->active);

  REQUIRE(test::expect_ok(suppressions.remove("Jane.Doe@Example.org", "customer confirmed")));
  CHECK_FALSE(test::expect_ok(suppressions.check("jane.doe@example.org"))->active);

  // A rule change that re-decides the old mail - still hard, by another rule - re-runs the
  // policy on it: the mail is older than the removal, so the removal holds.
  store::Reclassifier reclassifier(database.db(), store::SuppressionPolicyConfig::defaults());
  auto hard_again = [&](const std::string& raw) {
    std::vector<store::RecipientVerdict> out;
    for (const auto& [status, verdict] : pipeline.run("stored", raw).recipients) {
      out.push_back({status.address, "hard", "user_unknown", "rule-v2"});
    }
    return out;
  };
  const auto summary =
      test::expect_ok(reclassifier.run(*store::parse_iso_time("2026-01-01"), hard_again));
  CHECK(summary.changed == 1);
  CHECK(summary.suppressed == 0);
  const auto after = test::expect_ok(suppressions.check("jane.doe@example.org"));
  REQUIRE(after);
  CHECK(after->state == "removed");
  CHECK(after->note == "customer confirmed");
  // Replaying the same mail is a duplicate and changes nothing either.
  daemon::Ingestor(pipeline, store, {}).ingest({(scratch.path() / "in").string()});
  CHECK(test::expect_ok(suppressions.check("jane.doe@example.org"))->state == "removed");

  // A hard bounce received after the removal suppresses again.
  store::BounceRecord fresh;
  fresh.source = "fresh";
  fresh.raw = "Subject: fresh\n\nx\n";
  fresh.received_at = store::now_seconds() + std::chrono::minutes(1);
  fresh.kind = "dsn";
  fresh.recipients.push_back({"jane.doe@example.org", "", "failed", "5.1.1", "550", "User unknown",
                              "", "hard", "user_unknown", "test"});
  std::vector<store::BounceRecord> batch{fresh};
  CHECK(test::expect_ok(store.write(batch)).suppressed == 1);
  CHECK(test::expect_ok(suppressions.check("jane.doe@example.org"))->active);

  // Every state change of the address, the removal's note included.
  CHECK(history_text(database.db(), "JANE.DOE@example.org") ==
        "suppress hard hard; remove hard customer confirmed; suppress hard hard; ");
}

TEST_CASE("suppressions check answers as the exported Postfix map does, whatever the case",
          "[store][suppression]") {
  test::TestDatabase database;
  store::BounceStore store(database.db(), {});
  store::BounceRecord record;
  record.source = "mixed";
  record.raw = "Subject: mixed\n\nx\n";
  record.received_at = store::now_seconds();
  record.kind = "dsn";
  record.recipients.push_back({"Mixed.Case@Example.COM", "", "failed", "5.1.1", "550",
                               "User unknown", "", "hard", "user_unknown", "test"});
  std::vector<store::BounceRecord> batch{record};
  test::expect_ok(store.write(batch));
  store::SuppressionStore suppressions(database.db());
  // Postfix folds access-map keys (and lookups) to lower case: so does the list.
  std::ostringstream map;
  REQUIRE(store::ok(suppressions.export_to(map, store::ExportFormat::postfix)));
  CHECK_THAT(map.str(), Catch::Contains("\nmixed.case@example.com REJECT 5.1.1"));
  for (const char* asked :
       {"mixed.case@example.com", "MIXED.CASE@example.com", "Mixed.Case@Example.COM"}) {
    INFO(asked);
    const auto found = test::expect_ok(suppressions.check(asked));
    REQUIRE(found);
    CHECK(found->active);
  }
  // The bounce keeps the address as it was reported.
  CHECK(database.count("SELECT 1 FROM bounces WHERE recipient = 'Mixed.Case@example.com'") == 1);
}
