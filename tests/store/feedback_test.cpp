// Only what is a failure counts as one. ARF feedback: abuse and fraud reports are complaints
// that suppress; not-spam, auth-failure, virus and opt-out reports are stored and reported but
// suppress only if the configuration lists their reason. Delay warnings (Action: delayed) are
// stored as `delayed` and never counted, however many arrive.
#include <catch2/catch.hpp>
#include <fstream>

#include "ingest/ingestor.hpp"
#include "pg_fixture.hpp"
#include "suppression_store.hpp"
#include "test_support.hpp"

using namespace bounced;

namespace {

const test::fs::path kArf = test::fs::path(BOUNCED_FIXTURES_DIR) / "arf";

void ingest_arf(store::Database& db, const test::fs::path& dir,
                store::SuppressionPolicyConfig policy) {
  test::fs::create_directories(dir);
  for (const auto& entry : test::fs::directory_iterator(kArf)) {
    if (entry.path().extension() == ".eml") {
      test::fs::copy_file(entry.path(), dir / entry.path().filename());
    }
  }
  auto pipeline = test::semantics_pipeline();
  store::BounceStoreOptions options;
  options.policy = std::move(policy);
  store::BounceStore store(db, options);
  const auto report = daemon::Ingestor(pipeline, store, {}).ingest({dir.string()});
  REQUIRE(report.store_error.empty());
  CHECK(report.stored == 8);
}

std::string active(test::TestDatabase& database) {
  return database.scalar(
      "SELECT string_agg(address, ' ' ORDER BY address) FROM suppressions WHERE state = "
      "'active'");
}

}  // namespace

TEST_CASE("abuse and fraud reports suppress, other feedback types are only stored",
          "[store][suppression][arf]") {
  test::TestDatabase database;
  test::ScratchDir scratch;
  ingest_arf(database.db(), scratch.path() / "arf", store::SuppressionPolicyConfig::defaults());
  // Every report is stored as a complaint with its feedback type's reason; the report naming
  // three recipients is three complaints.
  CHECK(
      database.scalar("SELECT string_agg(reason, ' ' ORDER BY reason) FROM bounces WHERE "
                      "category = 'complaint'") ==
      "abuse abuse abuse abuse abuse auth_failure_report fraud not_spam unsubscribe virus_report");
  CHECK(active(database) ==
        "ana@example.net bruno@example.net carl@example.net chloe@example.net hanna@example.org "
        "lisa@example.com");
}

TEST_CASE("a feedback type suppresses when the configuration lists its reason",
          "[store][suppression][arf]") {
  test::TestDatabase database;
  test::ScratchDir scratch;
  auto policy = store::SuppressionPolicyConfig::defaults();
  policy.complaint_reasons = {"abuse", "fraud", "unsubscribe", "virus_report"};
  ingest_arf(database.db(), scratch.path() / "arf", policy);
  CHECK(active(database) ==
        "ana@example.net bruno@example.net carl@example.net chloe@example.net ed@example.com "
        "gus@example.net hanna@example.org lisa@example.com");
}

TEST_CASE("delay warnings are stored as delayed and never counted", "[store][suppression]") {
  test::TestDatabase database;
  test::ScratchDir scratch;
  // Six delay warnings for one address within a day: as soft failures they would pass the
  // soft threshold (5 within 3 days). They are progress notes: the mail is still queued.
  std::ifstream in(test::fs::path(BOUNCED_FIXTURES_DIR) / "dsn" /
                   "sendmail-delayed-warning-4.4.7.eml");
  const std::string warning((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  REQUIRE(warning.find("Action: delayed") != std::string::npos);
  const auto now = store::now_seconds();
  for (int i = 0; i < 6; ++i) {
    const auto file = scratch.path() / ("warning-" + std::to_string(i) + ".eml");
    // Each a distinct mail (a later warning for the same message).
    std::ofstream(file) << "X-Warning-Number: " << i << "\n" << warning;
    test::set_received(file, store::format_iso_time(now - std::chrono::hours(6 - i)));
  }
  auto pipeline = test::semantics_pipeline();
  // The classifier keeps calling it soft (as the labelled corpora do) ...
  const auto classified = pipeline.run("warning", warning);
  REQUIRE(classified.recipients.size() == 1);
  CHECK(classified.recipients[0].verdict.category == rules::Category::soft);
  // ... the store keeps it as a delay.
  store::BounceStore store(database.db(), {});
  const auto report = daemon::Ingestor(pipeline, store, {}).ingest({scratch.path().string()});
  CHECK(report.stored == 6);
  CHECK(report.suppressed == 0);
  CHECK(database.scalar("SELECT string_agg(DISTINCT category, ',') FROM bounces") == "delayed");
  CHECK(database.count("suppressions") == 0);
}
