// Mail that is no bounce, auto-reply or complaint (a human reply) is never deleted by ingest,
// even with processed_folder "" (delete what was stored): it stays in the Maildir, moved from
// new/ to cur/ unread, for a person to answer.
#include <catch2/catch.hpp>

#include "ingest/ingestor.hpp"
#include "pg_fixture.hpp"
#include "test_support.hpp"

using namespace bounced;

TEST_CASE("ingest keeps ordinary mail in the Maildir even when stored mail is deleted",
          "[store][ingest]") {
  test::TestDatabase database;
  test::ScratchDir scratch;
  const auto maildir = scratch.path() / "Maildir";
  test::make_maildir(maildir, {"message-id-user-unknown.eml"});
  test::fs::copy_file(
      test::fs::path(BOUNCED_FIXTURES_DIR) / "not_bounce" / "human-reply-to-newsletter.eml",
      maildir / "new" / "1767.human");

  auto pipeline = test::semantics_pipeline();
  store::BounceStore store(database.db(), {});
  daemon::IngestOptions options;
  options.processed_folder = "";  // delete stored mail
  daemon::Ingestor ingestor(pipeline, store, options);
  const auto report = ingestor.ingest({maildir.string()});

  CHECK(report.store_error.empty());
  CHECK(report.stored == 2);  // both are rows; only the bounce is gone from the Maildir
  CHECK(database.scalar("SELECT kind FROM bounce_messages WHERE source LIKE '%1767.human'") ==
        "not_bounce");
  CHECK(!test::fs::exists(maildir / "new" / "message-id-user-unknown.eml"));
  CHECK(!test::fs::exists(maildir / "new" / "1767.human"));
  CHECK(test::fs::exists(maildir / "cur" / "1767.human:2,"));
}
