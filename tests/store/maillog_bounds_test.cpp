// The maillog reader's memory for open queue ids is bounded: queue ids whose "removed" line
// never came (a log that starts mid-flight, lost lines) are forgotten past a count and an age,
// in memory and in maillog_queue alike.
#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>

#include "maillog_reader.hpp"
#include "pg_fixture.hpp"
#include "test_support.hpp"

using namespace bounced;

namespace {

// cleanup and qmgr lines for a queue id that is never delivered nor removed.
std::string open_queue_id(int n, const std::string& day) {
  char id[16];
  std::snprintf(id, sizeof id, "5AB%07X", n);
  return day + " 09:14:03 mail postfix/cleanup[2002]: " + id + ": message-id=<" +
         std::to_string(n) + "@sender.example>\n" + day +
         " 09:14:03 mail postfix/qmgr[1500]: " + id +
         ": from=<bounces@sender.example>, size=2345, nrcpt=1 (queue active)\n";
}

}  // namespace

TEST_CASE("open queue ids are forgotten past max_open_queue_ids and queue_id_max_age",
          "[store][maillog]") {
  test::TestDatabase database;
  test::ScratchDir scratch;
  const auto log = scratch.path() / "maillog";
  {
    std::ofstream out(log);
    for (int i = 0; i < 300; ++i) out << open_queue_id(i, "Jan  2");
  }
  store::MaillogOptions options;
  options.max_open_queue_ids = 50;
  {
    store::MaillogReader reader(database.db(), test::semantics_classifier(), options);
    test::expect_ok(reader.read_file(log.string()));
  }
  CHECK(database.count("maillog_queue") == 50);
  // The newest are kept: the oldest went first.
  CHECK(database.count("SELECT 1 FROM maillog_queue WHERE message_id = '299@sender.example'") == 1);
  CHECK(database.count("SELECT 1 FROM maillog_queue WHERE message_id = '0@sender.example'") == 0);

  // Ten days later in the log: everything from Jan 2 is past the default week.
  {
    std::ofstream out(log, std::ios::app);
    out << open_queue_id(1000, "Jan 12");
  }
  {
    store::MaillogReader reader(database.db(), test::semantics_classifier(), {});
    test::expect_ok(reader.read_file(log.string()));
  }
  CHECK(database.count("maillog_queue") == 1);
}
