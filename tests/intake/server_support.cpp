#include "server_support.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace bounced::test {

namespace {

sockaddr_in loopback(int port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

pid_t spawn(const std::vector<std::string>& argv, const std::string& log, bool own_group = false) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  const std::string out = log.empty() ? "/dev/null" : log;
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  // The child starts with no signal blocked, whatever the test's threads did.
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setpgroup(&attributes, 0);
  posix_spawnattr_setflags(
      &attributes,
      static_cast<short>(POSIX_SPAWN_SETSIGMASK | (own_group ? POSIX_SPAWN_SETPGROUP : 0)));
  std::vector<char*> args;
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  if (posix_spawn(&pid, args[0], &actions, &attributes, args.data(), environ) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  return pid;
}

}  // namespace

int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address = loopback(0);
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  socklen_t length = sizeof address;
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

bool wait_for_port(int port, std::chrono::milliseconds timeout) {
  return eventually(
      [port] {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address = loopback(port);
        const bool up = connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
        close(fd);
        return up;
      },
      timeout);
}

int run_command(const std::vector<std::string>& argv, const std::string& log) {
  pid_t pid = spawn(argv, log);
  if (pid < 0) return -1;
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const std::string& log,
                           bool own_group)
    : pid_(spawn(argv, log, own_group)), own_group_(own_group) {
  REQUIRE(pid_ > 0);
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0) stop();
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(other.pid_), own_group_(other.own_group_) {
  other.pid_ = -1;
}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    if (pid_ > 0) stop();
    pid_ = other.pid_;
    own_group_ = other.own_group_;
    other.pid_ = -1;
  }
  return *this;
}

bool ChildProcess::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

void ChildProcess::signal(int signo) const {
  if (pid_ > 0) kill(pid_, signo);
}

int ChildProcess::stop(std::chrono::milliseconds grace) {
  if (pid_ <= 0) return -1;
  const pid_t target = own_group_ ? -pid_ : pid_;
  kill(target, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + grace;
  int status = 0;
  int result = -1;
  bool exited = false;
  while (std::chrono::steady_clock::now() < deadline) {
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      exited = true;
      result = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (!exited) {
    kill(target, SIGKILL);
    waitpid(pid_, &status, 0);
  }
  // Whatever of the group outlived its leader (our own child's group, by its id).
  if (own_group_) kill(target, SIGKILL);
  pid_ = -1;
  return result;
}

ServerDir::ServerDir(const std::string& prefix) {
  std::string pattern = "/tmp/" + prefix + "-XXXXXX";
  REQUIRE(mkdtemp(pattern.data()) != nullptr);
  path_ = pattern;
  // Dovecot's and Postfix's unprivileged processes must reach their files below it.
  chmod(path_.c_str(), 0755);
}

ServerDir::~ServerDir() {
  std::error_code error;
  fs::remove_all(path_, error);
}

void make_test_certificates(const fs::path& dir) {
  const std::string log = (dir / "openssl.log").string();
  const std::string d = dir.string() + "/";
  for (const char* ca : {"ca", "other-ca"}) {
    REQUIRE(run_command({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                         "-keyout", d + ca + ".key", "-out", d + ca + ".pem", "-days", "2", "-subj",
                         std::string("/CN=bounced test ") + ca},
                        log) == 0);
  }
  REQUIRE(run_command({"/usr/bin/openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout",
                       d + "server.key", "-out", d + "server.csr", "-subj", "/CN=localhost"},
                      log) == 0);
  write_file(dir / "server.ext",
             "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
  REQUIRE(run_command({"/usr/bin/openssl", "x509", "-req", "-in", d + "server.csr", "-CA",
                       d + "ca.pem", "-CAkey", d + "ca.key", "-CAcreateserial", "-out",
                       d + "server.pem", "-days", "2", "-extfile", d + "server.ext"},
                      log) == 0);
  chmod((d + "server.key").c_str(), 0644);
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  REQUIRE(out.good());
}

std::string fixture_mail(const std::string& relative) {
  const std::string text = read_file(fs::path(BOUNCED_FIXTURES_DIR) / relative);
  REQUIRE(!text.empty());
  // IMAP APPEND and SMTP both carry mail with CRLF line ends.
  std::string crlf;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) crlf.push_back('\r');
    crlf.push_back(text[i]);
  }
  return crlf;
}

std::string numbered_mail(const std::string& relative, int number) {
  return "X-Bounced-Test-Number: " + std::to_string(number) + "\r\n" + fixture_mail(relative);
}

}  // namespace bounced::test
