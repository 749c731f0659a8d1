// bounced ingest end to end against a real server: store, acknowledge after commit,
// quarantine, idempotent replay, and a server that goes away in the middle of a batch.
#include <catch2/catch.hpp>

#include "ingest/ingestor.hpp"
#include "pg_fixture.hpp"
#include "test_support.hpp"

using namespace bounced;
using test::fs::path;

namespace {

const std::vector<std::string> kBounces = {
    "message-id-user-unknown.eml", "send-id-header-mailbox-full.eml", "verp-user-unknown.eml",
    "recipient-only-host-unknown.eml"};

daemon::IngestOptions options_for(const test::ScratchDir& scratch) {
  daemon::IngestOptions options;
  options.batch_size = 10;
  options.quarantine_dir = (scratch.path() / "quarantine").string();
  options.record.verp_prefix = "bounces";
  return options;
}

size_t files_in(const path& dir) {
  if (!test::fs::exists(dir)) return 0;
  return static_cast<size_t>(
      std::distance(test::fs::directory_iterator(dir), test::fs::directory_iterator()));
}

}  // namespace

TEST_CASE(
    "ingest stores each recipient and acknowledges after commit and quarantines unreadable mail",
    "[store][ingest]") {
  test::TestDatabase database;
  test::ScratchDir scratch;
  const path maildir = scratch.path() / "Maildir";
  test::make_maildir(maildir, kBounces);
  test::copy_fixtures(maildir / "new", {"not-mail.eml.bad"});

  auto pipeline = test::semantics_pipeline();
  store::BounceStore store(database.db(), {});
  daemon::Ingestor ingestor(pipeline, store, options_for(scratch));
  const auto report = ingestor.ingest({maildir.string()});

  CHECK(report.store_error.empty());
  CHECK(report.read == 5);
  CHECK(report.stored == 4);
  CHECK(report.bounces == 4);
  CHECK(report.quarantined == 1);
  CHECK(report.acknowledged == 4);
  CHECK(files_in(maildir / "new") == 0);
  CHECK(files_in(maildir / ".Processed" / "cur") == 4);
  CHECK(files_in(scratch.path() / "quarantine") == 2);  // the mail and its .reason
  CHECK(database.count("bounce_messages") == 4);
  CHECK(database.scalar(
            "SELECT category || '/' || reason FROM bounces WHERE recipient = 'tom@example.net'") ==
        "quota/mailbox_full");
  // The domain is lower-cased, the local part kept as given.
  CHECK(database.count("SELECT 1 FROM bounces WHERE recipient = 'Mixed.Case@example.com'") == 1);
  CHECK(database.scalar("SELECT verp_token FROM bounces WHERE recipient = 'ghost@example.com'") ==
        "t-3003");
  // The raw mail is kept compressed for re-classification.
  CHECK(database.count("SELECT 1 FROM bounce_messages WHERE raw_gz IS NOT NULL AND "
                       "length(raw_gz) < raw_size AND raw_expires_at > now()") == 4);
  CHECK(database.count("SELECT 1 FROM outbox WHERE event = 'bounce'") == 4);
}

TEST_CASE("replaying the same mailbox inserts nothing twice", "[store][ingest]") {
  test::TestDatabase database;
  test::ScratchDir scratch;
  auto pipeline = test::semantics_pipeline();
  store::BounceStore store(database.db(), {});
  auto options = options_for(scratch);
  const std::string fixtures = test::staged_store_fixtures(scratch.path() / "in").string();

  daemon::Ingestor first(pipeline, store, options);
  auto one = first.ingest({fixtures});
  CHECK(one.stored == 4);
  const long bounces = database.count("bounces");
  const long events = database.count("outbox");
  const long suppression_events = database.count("suppression_events");

  daemon::Ingestor second(pipeline, store, options);
  auto two = second.ingest({fixtures});
  CHECK(two.stored == 0);
  CHECK(two.duplicates == 4);
  CHECK(database.count("bounces") == bounces);
  CHECK(database.count("outbox") == events);
  CHECK(database.count("suppression_events") == suppression_events);
}

TEST_CASE("a database that goes away mid-batch leaves nothing written and the mail in place",
          "[store][ingest][fault]") {
  test::TestDatabase database;
  test::ScratchDir scratch;
  const path maildir = scratch.path() / "Maildir";
  test::make_maildir(maildir, kBounces);

  auto pipeline = test::semantics_pipeline();
  store::BounceStoreOptions store_options;
  bool stopped = false;
  // Every row of the batch has been sent to the server; it dies before COMMIT.
  store_options.before_commit = [&] {
    REQUIRE(store::ok(test::test_cluster().stop(true)));
    stopped = true;
  };
  store::BounceStore store(database.db(), store_options);
  daemon::Ingestor ingestor(pipeline, store, options_for(scratch));
  const auto report = ingestor.ingest({maildir.string()});
  REQUIRE(stopped);
  REQUIRE(store::ok(test::test_cluster().restart()));

  CHECK_THAT(report.store_error, Catch::Contains("database"));
  CHECK(report.stored == 0);
  CHECK(report.acknowledged == 0);
  CHECK(files_in(maildir / "new") == 4);  // nothing acknowledged
  CHECK(database.count("bounce_messages") == 0);
  CHECK(database.count("bounces") == 0);
  CHECK(database.count("outbox") == 0);

  // The next run, with the server back, stores everything once.
  database.reconnect();
  store::BounceStore again(database.db(), {});
  daemon::Ingestor retry(pipeline, again, options_for(scratch));
  const auto second = retry.ingest({maildir.string()});
  CHECK(second.store_error.empty());
  CHECK(second.stored == 4);
  CHECK(files_in(maildir / "new") == 0);
}

TEST_CASE(
    "with parsing on two threads and one batch in the database, only committed batches "
    "are acknowledged",
    "[store][ingest][fault]") {
  test::TestDatabase database;
  test::ScratchDir scratch;
  const path maildir = scratch.path() / "Maildir";
  test::make_maildir(maildir, kBounces);

  auto pipeline = test::semantics_pipeline();
  store::BounceStoreOptions store_options;
  int commits = 0;
  bool stopped = false;
  // The first batch commits; the server dies before the second one's COMMIT, while the third
  // is being parsed. (The hook runs on the store's thread: no assertions in it.)
  store_options.before_commit = [&] {
    if (++commits == 2) stopped = store::ok(test::test_cluster().stop(true));
  };
  store::BounceStore store(database.db(), store_options);
  auto options = options_for(scratch);
  options.batch_size = 1;
  options.jobs = 2;
  daemon::Ingestor ingestor(pipeline, store, options);
  const auto report = ingestor.ingest({maildir.string()});
  REQUIRE(stopped);
  REQUIRE(store::ok(test::test_cluster().restart()));

  CHECK_THAT(report.store_error, Catch::Contains("database"));
  CHECK(report.stored == 1);
  CHECK(report.acknowledged == 1);
  CHECK(files_in(maildir / "new") == 3);
  database.reconnect();
  CHECK(database.count("bounce_messages") == 1);
  CHECK(database.count("bounces") == 1);
}
