// Type=notify: the daemon tells systemd READY=1 once its sources run, STATUS= with its queues,
// RELOADING=1 and READY=1 around a SIGHUP, WATCHDOG=1 while the writer is alive, STOPPING=1 on
// SIGTERM. The test plays systemd's part: a datagram socket named by $NOTIFY_SOCKET.
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "daemon_harness.hpp"
#include "pg_fixture.hpp"

using namespace bounced::test;

namespace {

class NotifySocket {
 public:
  explicit NotifySocket(const fs::path& path) : path_(path) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::snprintf(address.sun_path, sizeof address.sun_path, "%s", path.c_str());
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  }
  ~NotifySocket() { ::close(fd_); }
  // Everything received so far, one datagram per entry.
  const std::vector<std::string>& messages() {
    char buffer[4096];
    ssize_t n;
    while ((n = ::recv(fd_, buffer, sizeof buffer, 0)) > 0) {
      messages_.emplace_back(buffer, static_cast<size_t>(n));
    }
    return messages_;
  }
  bool received(const std::string& text) {
    for (const auto& message : messages()) {
      if (message.find(text) != std::string::npos) return true;
    }
    return false;
  }

 private:
  fs::path path_;
  int fd_ = -1;
  std::vector<std::string> messages_;
};

}  // namespace

TEST_CASE("the daemon speaks systemd's notify protocol", "[daemon]") {
  TestDatabase database;
  TestDir dir;
  const fs::path maildir = dir.path() / "Maildir";
  make_maildir(maildir);
  NotifySocket systemd(dir.path() / "notify");
  const fs::path config = write_daemon_config(dir.path(), database.conninfo(), maildir);
  BouncedProcess daemon(
      {"run", "--config", config.string()}, dir.path() / "daemon.log",
      {"NOTIFY_SOCKET=" + (dir.path() / "notify").string(), "WATCHDOG_USEC=1000000"});
  REQUIRE(eventually([&] { return systemd.received("READY=1"); }));
  CHECK(systemd.received("STATUS=intake 0/1000"));
  REQUIRE(eventually([&] { return systemd.received("WATCHDOG=1"); }, 5s));

  deliver(maildir, "m.1", unique_bounce(1));
  REQUIRE(eventually([&] { return systemd.received("stored 1,"); }, 15s));

  daemon.signal(SIGHUP);
  REQUIRE(eventually([&] { return systemd.received("RELOADING=1"); }));
  daemon.signal(SIGTERM);
  REQUIRE(daemon.wait(15s) == 0);
  CHECK(systemd.received("STOPPING=1"));
}
