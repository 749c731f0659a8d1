// Two daemons on one IMAP folder, as two real processes (bounced_intake_worker), with their
// claims in a real PostgreSQL: every message is taken by exactly one of them.
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

TEST_CASE("IMAP - two daemons on one folder: each message is taken once",
          "[intake][imap][claims]") {
  test::TestDatabase database;  // migrated: imap_claims exists
  test::DovecotServer server;
  constexpr int kMessages = 40;
  {
    auto opened = daemon::intake::ImapSession::open(server.plain_options());
    REQUIRE(std::holds_alternative<std::unique_ptr<daemon::intake::ImapSession>>(opened));
    auto& session = *std::get<std::unique_ptr<daemon::intake::ImapSession>>(opened);
    for (int i = 1; i <= kMessages; ++i) {
      REQUIRE_FALSE(session.append(
          "INBOX", test::numbered_mail("dsn/postfix-two-recipients-one-full-one-unknown.eml", i)));
    }
  }
  test::ServerDir dir("bounced-claims");
  std::vector<test::ChildProcess> workers;
  for (int w = 0; w < 2; ++w) {
    const std::string out = (dir.path() / ("worker" + std::to_string(w))).string();
    workers.emplace_back(
        std::vector<std::string>{
            BOUNCED_INTAKE_WORKER, "imap", "--port", std::to_string(server.imap_port()), "--user",
            test::DovecotServer::user, "--password", test::DovecotServer::password, "--conninfo",
            database.conninfo(), "--out", out, "--fetch-batch", "4"},
        out + ".log");
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
  // Both daemons did part of the work.
  CHECK_FALSE(lines_of(dir.path() / "worker0").empty());
  CHECK_FALSE(lines_of(dir.path() / "worker1").empty());
}
