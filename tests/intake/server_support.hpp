// What the intake tests need to run real servers on loopback: free ports, child processes,
// commands, a test CA and server certificate made with openssl at test time, and the test mail.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

namespace bounced::test {

namespace fs = std::filesystem;

// A TCP port on 127.0.0.1 that nothing listens on right now.
int free_port();

// True once something accepts connections on 127.0.0.1:port (polls until `timeout`).
bool wait_for_port(int port, std::chrono::milliseconds timeout);

// Runs argv, waits, returns the exit status (-1 if it could not run); output goes to `log`
// ("" = /dev/null).
int run_command(const std::vector<std::string>& argv, const std::string& log = "");

// A child process, SIGTERMed (then SIGKILLed) and reaped when the object goes.
class ChildProcess {
 public:
  ChildProcess() = default;
  // own_group: the child leads a new process group, and stop() signals the whole group (a
  // server's worker processes go with it, as when the machine's service manager stops it).
  ChildProcess(const std::vector<std::string>& argv, const std::string& log,
               bool own_group = false);
  ~ChildProcess();
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;

  pid_t pid() const { return pid_; }
  bool running();
  void signal(int signo) const;
  // SIGTERM, wait up to `grace`, then SIGKILL. Returns the exit status, -1 if killed.
  int stop(std::chrono::milliseconds grace = std::chrono::seconds(10));

 private:
  pid_t pid_ = -1;
  bool own_group_ = false;
};

// A directory under /tmp readable by the servers' own users, removed when the object goes.
class ServerDir {
 public:
  explicit ServerDir(const std::string& prefix);
  ~ServerDir();
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// A CA and a server certificate for localhost / 127.0.0.1, signed by it, in `dir`:
// ca.pem, server.pem, server.key. A second, unrelated CA in other-ca.pem.
void make_test_certificates(const fs::path& dir);

std::string read_file(const fs::path& path);
void write_file(const fs::path& path, const std::string& text);

// A test mail from tests/fixtures, and the same with a header making it unique.
std::string fixture_mail(const std::string& relative);
std::string numbered_mail(const std::string& relative, int number);

// Waits until `done` holds or `timeout` passes; returns `done()`.
template <typename Predicate>
bool eventually(Predicate done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

}  // namespace bounced::test
