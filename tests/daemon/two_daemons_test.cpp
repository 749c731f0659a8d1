// Two daemons on one Maildir and one database: each message is claimed by exactly one of them
// (atomic rename), so every message is stored once, no process writes a duplicate, and no file
// is filed twice or lost.
#include <signal.h>

#include <catch2/catch.hpp>
#include <set>

#include "daemon_harness.hpp"
#include "pg_fixture.hpp"

using namespace bounced::test;

namespace {

long long total(const BouncedProcess& daemon, const std::string& field) {
  long long sum = 0;
  for (const auto& batch : daemon.events("batch_committed")) sum += batch[field].get<long long>();
  return sum;
}

}  // namespace

TEST_CASE("two daemons on one Maildir store every message exactly once", "[daemon]") {
  TestDatabase database;
  TestDir dir;
  const fs::path maildir = dir.path() / "Maildir";
  make_maildir(maildir);
  // Small batches, so both daemons keep coming back for more while the mail arrives.
  const fs::path config = write_daemon_config(dir.path(), database.conninfo(), maildir, "",
                                              "  batch_size: 25\n  workers: 1\n");
  BouncedProcess first({"run", "--config", config.string()}, dir.path() / "first.log");
  BouncedProcess second({"run", "--config", config.string()}, dir.path() / "second.log");
  REQUIRE(first.wait_for_event("source_watching"));
  REQUIRE(second.wait_for_event("source_watching"));

  constexpr size_t kMessages = 1500;
  for (size_t i = 0; i < kMessages; ++i) {
    deliver(maildir, "shared." + std::to_string(i), unique_bounce(i));
  }
  REQUIRE(
      eventually([&] { return count_files(maildir / ".Processed" / "cur") == kMessages; }, 90s));
  CHECK(database.count("bounce_messages") == static_cast<long>(kMessages));
  CHECK(count_files(maildir / "new") == 0);
  CHECK(count_claimed(maildir) == 0);

  // No message went through both: the names each one stored are disjoint and cover all.
  std::set<std::string> names;
  size_t lines = 0;
  for (const BouncedProcess* daemon : {&first, &second}) {
    for (const auto& event : daemon->events("stored")) {
      names.insert(event["name"].get<std::string>());
      ++lines;
    }
  }
  CHECK(lines == kMessages);
  CHECK(names.size() == kMessages);
  // And neither wrote anything the other had written: no duplicate in any batch.
  CHECK(total(first, "duplicates") + total(second, "duplicates") == 0);
  CHECK(total(first, "new") + total(second, "new") == static_cast<long long>(kMessages));
  INFO("first stored " << first.events("stored").size() << ", second "
                       << second.events("stored").size());

  first.signal(SIGTERM);
  second.signal(SIGTERM);
  CHECK(first.wait(15s) == 0);
  CHECK(second.wait(15s) == 0);
}
