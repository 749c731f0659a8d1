// Re-classifying stored raw bounces after a rule change updates the verdict, records it, and
// lifts the suppression the old verdict caused.
#include <catch2/catch.hpp>

#include "ingest/ingestor.hpp"
#include "pg_fixture.hpp"
#include "reclassifier.hpp"
#include "test_support.hpp"

using namespace bounced;

TEST_CASE("reclassify updates verdicts and suppressions from the stored raw mail",
          "[store][reclassify]") {
  test::TestDatabase database;
  auto pipeline = test::semantics_pipeline();
  store::BounceStore store(database.db(), {});
  daemon::Ingestor ingestor(pipeline, store, {});
  test::ScratchDir scratch;
  test::copy_fixtures(scratch.path(), {"message-id-user-unknown.eml"});
  ingestor.ingest({(scratch.path() / "message-id-user-unknown.eml").string()});
  REQUIRE(database.scalar(
              "SELECT state FROM suppressions WHERE address = 'jane.doe@example.org'") == "active");

  // "The rule was wrong": the same mail is now a soft policy block.
  store::Reclassifier reclassifier(database.db(), store::SuppressionPolicyConfig::defaults());
  auto as_soft = [&](const std::string& raw) {
    std::vector<store::RecipientVerdict> out;
    for (const auto& [status, verdict] : pipeline.run("stored", raw).recipients) {
      out.push_back({status.address, "soft", "policy", "test-fix"});
    }
    return out;
  };
  auto summary = test::expect_ok(reclassifier.run(*store::parse_iso_time("2026-01-01"), as_soft));
  CHECK(summary.messages == 1);
  CHECK(summary.changed == 1);
  CHECK(summary.lifted == 1);
  CHECK(database.scalar("SELECT category || '/' || reason FROM bounces") == "soft/policy");
  CHECK(database.scalar("SELECT old_category || '>' || new_category FROM reclassifications") ==
        "hard>soft");
  CHECK(database.scalar("SELECT state FROM suppressions WHERE address = 'jane.doe@example.org'") ==
        "lifted");
  CHECK(database.count("SELECT 1 FROM outbox WHERE event = 'reclassified'") == 1);

  // Running it again with the same rules changes nothing.
  auto again = test::expect_ok(reclassifier.run(*store::parse_iso_time("2026-01-01"), as_soft));
  CHECK(again.changed == 0);
  // Mail received before --since is not touched.
  auto later = test::expect_ok(reclassifier.run(*store::parse_iso_time("2026-02-01"), as_soft));
  CHECK(later.messages == 0);
}
