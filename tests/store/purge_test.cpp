// `bounced db purge`: the raw bytes of mail past raw_expires_at go, the rows stay (a replay is
// still recognised), mail within its retention is kept.
#include <catch2/catch.hpp>

#include "bounce_store.hpp"
#include "pg_fixture.hpp"
#include "raw_mail_purger.hpp"
#include "test_support.hpp"

using namespace bounced;

namespace {

store::BounceRecord synthetic(int n) {
  store::BounceRecord record;
  record.source = "synthetic-" + std::to_string(n);
  record.raw = "Subject: synthetic " + std::to_string(n) + "\n\nx\n";
  record.received_at = store::now_seconds();
  record.kind = "dsn";
  record.recipients.push_back({"u" + std::to_string(n) + "@example.org", "", "failed", "5.1.1",
                               "550", "User unknown", "", "hard", "user_unknown", "test"});
  return record;
}

}  // namespace

TEST_CASE("purge drops the raw mail past its retention and keeps the rows", "[store][purge]") {
  test::TestDatabase database;
  store::BounceStoreOptions options;
  options.raw_retention_days = 30;
  store::BounceStore bounces(database.db(), options);
  std::vector<store::BounceRecord> batch{synthetic(1), synthetic(2), synthetic(3)};
  test::expect_ok(bounces.write(batch));
  // One message was stored earlier and is already past its retention.
  database.scalar(
      "UPDATE bounce_messages SET raw_expires_at = now() - interval '1 day' WHERE "
      "source = 'synthetic-1'");

  store::RawMailPurger purger(database.db(), 1);  // batches of one: the loop runs
  CHECK(test::expect_ok(purger.purge(store::now_seconds())).purged == 1);
  CHECK(database.count("SELECT 1 FROM bounce_messages WHERE raw_gz IS NULL") == 1);
  CHECK(test::expect_ok(purger.purge(store::now_seconds())).purged == 0);

  // 31 days on, the rest has expired too; every row is still there.
  CHECK(test::expect_ok(purger.purge(store::now_seconds() + std::chrono::days(31))).purged == 2);
  CHECK(database.count("SELECT 1 FROM bounce_messages WHERE raw_gz IS NOT NULL") == 0);
  CHECK(database.count("bounce_messages") == 3);

  // A replay of a purged message is still a duplicate.
  std::vector<store::BounceRecord> again{synthetic(1)};
  CHECK(test::expect_ok(bounces.write(again)).duplicates == 1);
}
