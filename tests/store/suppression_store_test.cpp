// Suppression decisions as the store applies them: thresholds counted in the database, resets
// by deliveries, manual removal, expiry, and the export formats.
#include "suppression_store.hpp"

#include <catch2/catch.hpp>
#include <sstream>

#include "bounce_store.hpp"
#include "pg_fixture.hpp"
#include "send_store.hpp"

using namespace bounced;

namespace {

// A synthetic one-recipient report; `n` makes each mail (and so its fingerprint) unique.
store::BounceRecord bounce(const std::string& recipient, const std::string& category,
                           const std::string& when, int n) {
  store::BounceRecord record;
  record.source = "synthetic-" + std::to_string(n);
  record.raw = "Subject: synthetic " + std::to_string(n) + " " + recipient + " " + when + "\n\nx\n";
  record.received_at = *store::parse_iso_time(when);
  record.kind = category == "delivered" ? "delivered" : "dsn";
  store::BounceRecipientRecord r;
  r.address = recipient;
  r.category = category;
  r.reason = category == "hard"        ? "user_unknown"
             : category == "quota"     ? "mailbox_full"
             : category == "complaint" ? "abuse"
                                       : category;
  r.rule = "test";
  r.action = category == "delivered" ? "delivered" : "failed";
  record.recipients.push_back(r);
  return record;
}

bool suppressed(store::Database& db, const std::string& address) {
  store::SuppressionStore suppressions(db);
  auto found = test::expect_ok(suppressions.check(address));
  return found && found->active;
}

void write(store::BounceStore& store, std::vector<store::BounceRecord> batch) {
  test::expect_ok(store.write(batch));
}

}  // namespace

TEST_CASE("a hard bounce suppresses at once and a quota bounce only at the third in a week",
          "[store][suppression]") {
  test::TestDatabase database;
  store::BounceStore store(database.db(), {});
  write(store, {bounce("hard@example.org", "hard", "2026-01-10T10:00:00Z", 1)});
  CHECK(suppressed(database.db(), "hard@EXAMPLE.org"));

  write(store, {bounce("full@example.org", "quota", "2026-01-01T10:00:00Z", 2)});
  write(store, {bounce("full@example.org", "quota", "2026-01-05T10:00:00Z", 3)});
  CHECK_FALSE(suppressed(database.db(), "full@example.org"));
  // The first one is now out of the 7-day window: still two.
  write(store, {bounce("full@example.org", "quota", "2026-01-09T10:00:00Z", 4)});
  CHECK_FALSE(suppressed(database.db(), "full@example.org"));
  write(store, {bounce("full@example.org", "quota", "2026-01-10T10:00:00Z", 5)});
  CHECK(suppressed(database.db(), "full@example.org"));
  CHECK(database.scalar("SELECT note FROM suppressions WHERE address = 'full@example.org'") ==
        "quota: 3 within 7d");
}

TEST_CASE("soft suppression is limited in time and per-domain thresholds apply",
          "[store][suppression]") {
  test::TestDatabase database;
  store::BounceStoreOptions options;
  options.policy.domains["strict.example"]["soft"] = {store::CategoryRule::Mode::threshold, 2,
                                                      std::chrono::days(1), std::chrono::days(2)};
  store::BounceStore store(database.db(), options);
  // Long ago: suppressed for two days, expired by now.
  write(store, {bounce("a@strict.example", "soft", "2025-06-01T10:00:00Z", 1),
                bounce("a@strict.example", "soft", "2025-06-01T11:00:00Z", 2)});
  CHECK(database.scalar("SELECT expires_at FROM suppressions WHERE address = 'a@strict.example'") ==
        "2025-06-03 11:00:00+00");
  CHECK_FALSE(suppressed(database.db(), "a@strict.example"));
  // Recent: active. The default soft threshold (5) would not have suppressed.
  const auto now = store::now_seconds();
  write(
      store,
      {bounce("b@strict.example", "soft", store::format_iso_time(now - std::chrono::hours(2)), 3),
       bounce("b@strict.example", "soft", store::format_iso_time(now - std::chrono::hours(1)), 4),
       bounce("b@other.example", "soft", store::format_iso_time(now - std::chrono::hours(2)), 5),
       bounce("b@other.example", "soft", store::format_iso_time(now - std::chrono::hours(1)), 6)});
  CHECK(suppressed(database.db(), "b@strict.example"));
  CHECK_FALSE(suppressed(database.db(), "b@other.example"));
}

TEST_CASE("a delivery resets the quota count", "[store][suppression]") {
  test::TestDatabase database;
  store::BounceStore store(database.db(), {});
  write(store, {bounce("r@example.org", "quota", "2026-01-01T10:00:00Z", 1),
                bounce("r@example.org", "quota", "2026-01-02T10:00:00Z", 2)});
  // A delivered DSN: the mailbox has room again.
  write(store, {bounce("r@example.org", "delivered", "2026-01-02T12:00:00Z", 3)});
  write(store, {bounce("r@example.org", "quota", "2026-01-03T10:00:00Z", 4)});
  CHECK_FALSE(suppressed(database.db(), "r@example.org"));

  // An accepted send not bounced within success_window (3 days) resets too.
  write(store, {bounce("s@example.org", "quota", "2026-01-01T10:00:00Z", 5),
                bounce("s@example.org", "quota", "2026-01-02T10:00:00Z", 6)});
  store::SendStore sends(database.db(), {});
  store::SendRecord send;
  send.send_id = "ok-1";
  send.recipient = "s@example.org";
  send.sent_at = *store::parse_iso_time("2026-01-02T11:00:00Z");
  send.reply_code = "250";
  send.sync_category = "accepted";
  test::expect_ok(sends.write({send}));
  write(store, {bounce("s@example.org", "quota", "2026-01-06T10:00:00Z", 7)});
  CHECK_FALSE(suppressed(database.db(), "s@example.org"));
  // Without that send the third would have counted.
  write(store, {bounce("t@example.org", "quota", "2026-01-01T10:00:00Z", 8),
                bounce("t@example.org", "quota", "2026-01-02T10:00:00Z", 9),
                bounce("t@example.org", "quota", "2026-01-06T10:00:00Z", 10)});
  CHECK(suppressed(database.db(), "t@example.org"));
}

TEST_CASE("a manual removal holds until a new hard bounce", "[store][suppression]") {
  test::TestDatabase database;
  store::BounceStore store(database.db(), {});
  store::SuppressionStore suppressions(database.db());
  write(store, {bounce("m@example.org", "hard", "2026-01-01T10:00:00Z", 1)});
  REQUIRE(suppressed(database.db(), "m@example.org"));
  CHECK(test::expect_ok(suppressions.remove("m@example.org", "customer called")));
  CHECK_FALSE(suppressed(database.db(), "m@example.org"));
  CHECK_FALSE(test::expect_ok(suppressions.remove("m@example.org", "again")));
  // Quota bounces keep coming: the removal holds.
  const auto now = store::now_seconds();
  for (int i = 0; i < 4; ++i) {
    write(store, {bounce("m@example.org", "quota",
                         store::format_iso_time(now + std::chrono::minutes(i + 1)), 10 + i)});
  }
  CHECK_FALSE(suppressed(database.db(), "m@example.org"));
  write(store, {bounce("m@example.org", "hard",
                       store::format_iso_time(now + std::chrono::minutes(9)), 20)});
  CHECK(suppressed(database.db(), "m@example.org"));
  CHECK(database.count("SELECT 1 FROM suppression_events WHERE address = 'm@example.org'") == 3);
}

TEST_CASE("the suppression list exports as CSV and JSON and a Postfix access map",
          "[store][suppression]") {
  test::TestDatabase database;
  store::BounceStore store(database.db(), {});
  const auto now = store::format_iso_time(store::now_seconds());
  write(store, {bounce("hard@example.org", "hard", "2026-01-10T10:00:00Z", 1),
                bounce("spam@example.net", "complaint", "2026-01-10T10:00:00Z", 2),
                bounce("user@bücher.example", "hard", "2026-01-10T10:00:00Z", 3)});
  store::SuppressionStore suppressions(database.db());
  std::ostringstream csv, json, postfix;
  REQUIRE(store::ok(suppressions.export_to(csv, store::ExportFormat::csv)));
  REQUIRE(store::ok(suppressions.export_to(json, store::ExportFormat::json)));
  REQUIRE(store::ok(suppressions.export_to(postfix, store::ExportFormat::postfix)));
  CHECK_THAT(csv.str(),
             Catch::StartsWith("address,domain,category,reason,suppressed_at,expires_at\n"
                               "hard@example.org,example.org,hard,user_unknown,"));
  CHECK_THAT(json.str(), Catch::Contains("\"address\": \"spam@example.net\""));
  CHECK_THAT(postfix.str(), Catch::Contains("\nhard@example.org REJECT 5.1.1 "));
  CHECK_THAT(postfix.str(), Catch::Contains("\nspam@example.net REJECT 5.7.1 "));
  // IDN domains are stored and exported in their ASCII form.
  CHECK_THAT(postfix.str(), Catch::Contains("\nuser@xn--bcher-kva.example REJECT"));
  CHECK(suppressed(database.db(), "user@BÜCHER.example"));
}
