// Two daemons on one IMAP folder, as two real processes (bounced_intake_worker), with their
// claims in a real PostgreSQL: every message is taken by exactly one of them.
#include <signal.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <map>

#include "dovecot_server.hpp"
#include "intake/imap_session.hpp"
#include "pg_fixture.hpp"

using namespace bounced;
using namespace std::chrono_literals;

namespace {

std::vector<std::string> lines_of(const test::fs::path& path) {
  std::vector<std::string> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

}  // namespace

namespace {

test::ChildProcess start_worker(const test::DovecotServer& server, const std::string& conninfo,
                                const std::string& out, std::vector<std::string> extra = {}) {
  std::vector<std::string> argv = {BOUNCED_INTAKE_WORKER,
                                   "imap",
                                   "--port",
                                   std::to_string(server.imap_port()),
                                   "--user",
                                   test::DovecotServer::user,
                                   "--password",
                                   test::DovecotServer::password,
                                   "--conninfo",
                                   conninfo,
                                   "--out",
                                   out};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return test::ChildProcess(argv, out + ".log");
}

void deliver(const test::DovecotServer& server, int count) {
  auto opened = daemon::intake::ImapSession::open(server.plain_options());
  REQUIRE(std::holds_alternative<std::unique_ptr<daemon::intake::ImapSession>>(opened));
  auto& session = *std::get<std::unique_ptr<daemon::intake::ImapSession>>(opened);
  for (int i = 1; i <= count; ++i) {
    REQUIRE_FALSE(session.append(
        "INBOX", test::numbered_mail("dsn/postfix-two-recipients-one-full-one-unknown.eml", i)));
  }
}

}  // namespace

TEST_CASE(
    "IMAP - a daemon killed with its claims held: another takes its messages over once the "
    "lease passed",
    "[intake][imap][claims]") {
  test::TestDatabase database;
  test::DovecotServer server;
  deliver(server, 5);
  test::ServerDir dir("bounced-claims");
  const std::string dead_out = (dir.path() / "dead").string();
  const std::string heir_out = (dir.path() / "heir").string();
  test::ChildProcess dead =
      start_worker(server, database.conninfo(), dead_out, {"--lease", "3", "--hold"});
  REQUIRE(test::eventually([&] { return lines_of(dead_out).size() == 5; }, 20s));
  dead.signal(SIGKILL);
  dead.stop();
  const auto killed = std::chrono::steady_clock::now();

  test::ChildProcess heir = start_worker(server, database.conninfo(), heir_out);
  REQUIRE(test::eventually([&] { return lines_of(heir_out).size() == 5; }, 30s));
  // Not before the dead daemon's lease ran out.
  CHECK(std::chrono::steady_clock::now() - killed >= 2500ms);
  CHECK(heir.stop() == 0);
  auto names = lines_of(heir_out);
  std::sort(names.begin(), names.end());
  auto dead_names = lines_of(dead_out);
  std::sort(dead_names.begin(), dead_names.end());
  CHECK(names == dead_names);
}

TEST_CASE("IMAP - two daemons on one folder: each message is taken once",
          "[intake][imap][claims]") {
  test::TestDatabase database;  // migrated: imap_claims exists
  test::DovecotServer server;
  constexpr int kMessages = 40;
  deliver(server, kMessages);
  test::ServerDir dir("bounced-claims");
  std::vector<test::ChildProcess> workers;
  for (int w = 0; w < 2; ++w) {
    workers.push_back(start_worker(server, database.conninfo(),
                                   (dir.path() / ("worker" + std::to_string(w))).string(),
                                   {"--fetch-batch", "4", "--queue", "4", "--write-ms", "100"}));
  }
  auto taken = [&] {
    std::vector<std::string> all;
    for (int w = 0; w < 2; ++w) {
      for (auto& line : lines_of(dir.path() / ("worker" + std::to_string(w)))) all.push_back(line);
    }
    return all;
  };
  REQUIRE(test::eventually([&] { return taken().size() >= kMessages; }, 60s));
  // Let both finish expunging and scan again: nothing more may be taken.
  REQUIRE(test::eventually(
      [&] { return database.count("SELECT 1 FROM imap_claims WHERE NOT done") == 0; }, 20s));
  std::this_thread::sleep_for(1500ms);
  for (auto& worker : workers) CHECK(worker.stop() == 0);

  std::map<std::string, int> times;
  for (const auto& name : taken()) ++times[name];
  CHECK(times.size() == kMessages);
  for (const auto& [name, count] : times) {
    INFO(name);
    CHECK(count == 1);
  }
  CHECK(database.count("SELECT 1 FROM imap_claims WHERE done") == kMessages);
  // Both daemons did part of the work: with a daemon's bounded queue and 100 ms a write, one
  // alone needs 4 s for the folder, far longer than the other takes to start.
  CHECK_FALSE(lines_of(dir.path() / "worker0").empty());
  CHECK_FALSE(lines_of(dir.path() / "worker1").empty());
}
