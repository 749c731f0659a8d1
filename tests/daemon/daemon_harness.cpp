#include "daemon_harness.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace bounced::test {

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
}

namespace {

pid_t spawn(const std::vector<std::string>& args, const fs::path& output, int input_fd,
            const std::vector<std::string>& environment) {
  std::vector<std::string> argv = {BOUNCED_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    const int out = ::open(output.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    ::dup2(out, STDOUT_FILENO);
    ::dup2(out, STDERR_FILENO);
    ::dup2(input_fd >= 0 ? input_fd : ::open("/dev/null", O_RDONLY), STDIN_FILENO);
    // A new process group: the tests signal the daemon, not themselves.
    ::setpgid(0, 0);
    for (const auto& variable : environment) ::putenv(const_cast<char*>(variable.c_str()));
    std::vector<char*> pointers;
    for (auto& arg : argv) pointers.push_back(arg.data());
    pointers.push_back(nullptr);
    ::execv(pointers[0], pointers.data());
    ::_exit(127);
  }
  return pid;
}

int decode(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

BouncedProcess::BouncedProcess(const std::vector<std::string>& args, fs::path output,
                               const std::vector<std::string>& environment)
    : output_(std::move(output)) {
  pid_ = spawn(args, output_, -1, environment);
}

BouncedProcess::~BouncedProcess() {
  if (!status_) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
}

void BouncedProcess::signal(int signal) const {
  ::kill(pid_, signal);
}

std::optional<int> BouncedProcess::wait(std::chrono::milliseconds timeout) {
  if (status_) return status_;
  eventually(
      [&] {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) status_ = decode(status);
        return status_.has_value();
      },
      timeout);
  return status_;
}

bool BouncedProcess::running() {
  return !wait(0ms).has_value();
}

std::string BouncedProcess::output() const {
  return read_file(output_);
}

std::vector<nlohmann::json> BouncedProcess::events() const {
  std::vector<nlohmann::json> events;
  std::istringstream lines(output());
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.starts_with("{")) continue;
    auto event = nlohmann::json::parse(line, nullptr, false);
    if (!event.is_discarded()) events.push_back(std::move(event));
  }
  return events;
}

std::vector<nlohmann::json> BouncedProcess::events(const std::string& name) const {
  std::vector<nlohmann::json> matching;
  for (auto& event : events()) {
    if (event.value("event", "") == name) matching.push_back(std::move(event));
  }
  return matching;
}

bool BouncedProcess::wait_for_event(const std::string& name, std::chrono::milliseconds timeout,
                                    size_t count) const {
  return eventually([&] { return events(name).size() >= count; }, timeout);
}

Finished run_bounced(const std::vector<std::string>& args, const std::string& input,
                     std::chrono::milliseconds timeout) {
  TestDir dir;
  const fs::path in = dir.path() / "stdin", out = dir.path() / "output";
  write_file(in, input);
  const int input_fd = ::open(in.c_str(), O_RDONLY | O_CLOEXEC);
  const pid_t pid = spawn(args, out, input_fd, {});
  ::close(input_fd);
  Finished finished;
  const bool ended = eventually(
      [&] {
        int status = 0;
        if (::waitpid(pid, &status, WNOHANG) != pid) return false;
        finished.status = decode(status);
        return true;
      },
      timeout);
  if (!ended) {
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
  }
  finished.output = read_file(out);
  return finished;
}

TestDir::TestDir() {
  char pattern[] = "/tmp/bdt-XXXXXX";
  path_ = ::mkdtemp(pattern);
  ::chmod(path_.c_str(), 0755);
}

TestDir::~TestDir() {
  std::error_code error;
  fs::remove_all(path_, error);
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_file(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

void make_maildir(const fs::path& maildir) {
  for (const char* sub : {"cur", "new", "tmp"}) fs::create_directories(maildir / sub);
}

void deliver(const fs::path& maildir, const std::string& name, const std::string& bytes) {
  write_file(maildir / "tmp" / name, bytes);
  fs::rename(maildir / "tmp" / name, maildir / "new" / name);
}

size_t count_files(const fs::path& dir) {
  std::error_code error;
  size_t count = 0;
  for (const auto& entry : fs::directory_iterator(dir, error)) {
    if (entry.is_regular_file(error)) ++count;
  }
  return count;
}

size_t count_claimed(const fs::path& maildir) {
  std::error_code error;
  size_t count = 0;
  for (const auto& owner : fs::directory_iterator(maildir / "bounced-claims", error)) {
    count += count_files(owner.path());
  }
  return count;
}

std::string fixture(const std::string& relative_path) {
  return read_file(fs::path(BOUNCED_FIXTURES_DIR) / relative_path);
}

std::string unique_bounce(size_t n, const std::string& name) {
  return "X-Test-Sequence: " + std::to_string(n) + "\n" + fixture("store/" + name);
}

fs::path write_daemon_config(const fs::path& dir, const std::string& database_url,
                             const fs::path& maildir, const std::string& extra,
                             const std::string& pipeline) {
  const fs::path config = dir / "bounced.yaml";
  std::string text =
      "database:\n  url: \"" + database_url + "\"\nstate_dir: " + (dir / "state").string() + "\n";
  if (!maildir.empty()) {
    text += "sources:\n  - name: bounces\n    type: maildir\n    path: " + maildir.string() + "\n";
  }
  text +=
      "log:\n  format: json\n  metrics_interval: 2s\n"
      "pipeline:\n  commit_interval: 50ms\n  retry_initial: 100ms\n  retry_max: 1s\n"
      "  drain_timeout: 10s\n";
  text += pipeline + extra;
  write_file(config, text);
  return config;
}

}  // namespace bounced::test
