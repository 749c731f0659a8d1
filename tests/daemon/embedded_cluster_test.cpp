// The embedded PostgreSQL cluster has one owner at a time. A one-shot command run while the
// daemon owns it connects, leaves, and does not touch the daemon's connections; the owner stops
// it when it leaves (SIGTERM or Ctrl-C included); a SIGKILLed owner's server is reused by the
// next command and adopted, then stopped, by the next daemon; concurrent first starts do not
// race to initdb.
#include <signal.h>

#include <catch2/catch.hpp>
#include <sstream>
#include <thread>

#include "daemon_harness.hpp"
#include "process.hpp"

using namespace bounced::test;

namespace {

std::string pg_bin() {
  std::string newest;
  for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql")) {
    if (fs::exists(entry.path() / "bin" / "pg_ctl") && entry.path().string() > newest) {
      newest = entry.path().string();
    }
  }
  return newest + "/bin/pg_ctl";
}

bool server_running(const fs::path& state) {
  const std::string run_as = ::geteuid() == 0 ? "postgres" : "";
  return bounced::store::run_process({pg_bin(), "status", "-D", (state / "pg" / "data").string()},
                                     run_as)
             .exit_status == 0;
}

bool sigint_blocked(pid_t pid) {
  std::istringstream status(read_file("/proc/" + std::to_string(pid) + "/status"));
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("SigBlk:")) {
      return (std::stoull(line.substr(7), nullptr, 16) & (1ull << (SIGINT - 1))) != 0;
    }
  }
  return false;
}

}  // namespace

TEST_CASE("a one-shot command leaves the daemon's embedded cluster and connections alone",
          "[daemon][embedded]") {
  TestDir dir;
  const fs::path maildir = dir.path() / "Maildir";
  make_maildir(maildir);
  const fs::path config = write_daemon_config(dir.path(), "", maildir);
  const fs::path state = dir.path() / "state";
  BouncedProcess daemon({"run", "--config", config.string()}, dir.path() / "daemon.log");
  REQUIRE(daemon.wait_for_event("database_connected", 90s));
  REQUIRE(daemon.events("embedded_database")[0]["started_here"] == true);
  deliver(maildir, "m.1", unique_bounce(1));
  REQUIRE(daemon.wait_for_event("stored"));

  // While the daemon owns the server: two one-shot commands, one after the other.
  const Finished list = run_bounced({"suppressions", "list", "--config", config.string()});
  INFO(list.output);
  CHECK(list.status == 0);
  CHECK(list.output.find("jane.doe@example.org") != std::string::npos);
  const Finished outcomes = run_bounced({"outcomes", "--config", config.string()});
  CHECK(outcomes.status == 0);
  CHECK(server_running(state));

  // The daemon's connection survived: the next bounce is stored without a reconnect.
  deliver(maildir, "m.2", unique_bounce(2));
  REQUIRE(daemon.wait_for_event("stored", 30s, 2));
  CHECK(daemon.events("database_unavailable").empty());
  CHECK(daemon.events("database_connected").size() == 1);

  // The owner stops what it started.
  daemon.signal(SIGTERM);
  REQUIRE(daemon.wait(30s) == 0);
  CHECK(!server_running(state));
}

TEST_CASE("a SIGKILLed owner's server is reused by commands and adopted by the next daemon",
          "[daemon][embedded]") {
  TestDir dir;
  const fs::path maildir = dir.path() / "Maildir";
  make_maildir(maildir);
  const fs::path config = write_daemon_config(dir.path(), "", maildir);
  const fs::path state = dir.path() / "state";
  write_file(dir.path() / "maillog", "");

  // A long-running one-shot command starts (and so owns) the server, and is killed.
  {
    BouncedProcess follower(
        {"maillog", "--follow", "--config", config.string(), (dir.path() / "maillog").string()},
        dir.path() / "follow.log");
    REQUIRE(eventually([&] { return server_running(state); }, 90s));
    // Ready once the schema is there (the follower connected and migrated).
    REQUIRE(eventually(
        [&] {
          return run_bounced({"db", "status", "--config", config.string()})
                     .output.find("schema is current") != std::string::npos;
        },
        60s));
    follower.signal(SIGKILL);
    REQUIRE(follower.wait(10s) == 128 + SIGKILL);
  }
  CHECK(server_running(state));

  // The next command reuses it and leaves it running.
  const Finished list = run_bounced({"suppressions", "list", "--config", config.string()});
  CHECK(list.status == 0);
  CHECK(server_running(state));

  // The next daemon adopts it, and stops it when it stops.
  BouncedProcess daemon({"run", "--config", config.string()}, dir.path() / "daemon.log");
  REQUIRE(daemon.wait_for_event("database_connected", 60s));
  CHECK(daemon.events("embedded_database")[0]["started_here"] == true);
  daemon.signal(SIGTERM);
  REQUIRE(daemon.wait(30s) == 0);
  CHECK(!server_running(state));
}

TEST_CASE("Ctrl-C of the command that started the server stops it", "[daemon][embedded]") {
  TestDir dir;
  const fs::path config = write_daemon_config(dir.path(), "", "");
  const fs::path state = dir.path() / "state";
  write_file(dir.path() / "maillog", "");
  BouncedProcess follower(
      {"maillog", "--follow", "--config", config.string(), (dir.path() / "maillog").string()},
      dir.path() / "follow.log");
  REQUIRE(eventually([&] { return server_running(state); }, 90s));
  // The guard is in place once SIGINT is blocked in the main thread (/proc/PID/status SigBlk).
  REQUIRE(eventually([&] { return sigint_blocked(follower.pid()); }, 60s));
  follower.signal(SIGINT);
  const auto status = follower.wait(60s);
  REQUIRE(status.has_value());
  INFO(read_file(dir.path() / "follow.log"));
  CHECK(!server_running(state));
}

TEST_CASE("commands starting a fresh embedded cluster at the same time initdb it once",
          "[daemon][embedded]") {
  TestDir dir;
  const fs::path state = dir.path() / "state";
  std::vector<Finished> results(3);
  {
    std::vector<std::jthread> threads;
    for (auto& result : results) {
      threads.emplace_back([&] {
        result = run_bounced({"db", "migrate", "--state-dir", state.string()}, "", 120s);
      });
    }
  }
  for (const auto& result : results) {
    INFO(result.output);
    CHECK(result.status == 0);
  }
  // Whoever started the server stopped it when the last of them left.
  CHECK(eventually([&] { return !server_running(state); }, 30s));
  // The settings are passed at start, not appended to postgresql.conf.
  CHECK(read_file(state / "pg" / "data" / "postgresql.conf").find("Written by bounced") ==
        std::string::npos);
}
