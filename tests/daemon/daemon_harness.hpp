// What the daemon tests share: the real `bounced` binary started as a child process with its
// output in a file, its JSON log lines read back as events, Maildir delivery the way an MTA does
// it (write in tmp/, rename into new/), unique bounces made from the store fixtures, and polling
// instead of sleeping.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace bounced::test {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Polls `condition` every 20 ms until it holds (true) or `timeout` passes (false).
bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout = 30s);

class BouncedProcess {
 public:
  // Starts BOUNCED_BINARY with `args`; stdout and stderr go to `output`. `environment` entries
  // ("NAME=value") are added to this process's environment.
  BouncedProcess(const std::vector<std::string>& args, fs::path output,
                 const std::vector<std::string>& environment = {});
  ~BouncedProcess();  // SIGKILL if it still runs
  BouncedProcess(const BouncedProcess&) = delete;
  BouncedProcess& operator=(const BouncedProcess&) = delete;

  pid_t pid() const { return pid_; }
  void signal(int signal) const;
  // The exit status (128 + signal when killed by one), or nullopt if still running at timeout.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  bool running();

  std::string output() const;
  // The JSON log lines (log.format: json); other lines are skipped.
  std::vector<nlohmann::json> events() const;
  std::vector<nlohmann::json> events(const std::string& name) const;
  // Waits until at least `count` lines of event `name` were logged.
  bool wait_for_event(const std::string& name, std::chrono::milliseconds timeout = 30s,
                      size_t count = 1) const;

 private:
  pid_t pid_ = -1;
  fs::path output_;
  std::optional<int> status_;
};

struct Finished {
  int status = -1;
  std::string output;  // stdout and stderr
};
// Runs bounced to its end, with `input` on standard input.
Finished run_bounced(const std::vector<std::string>& args, const std::string& input = "",
                     std::chrono::milliseconds timeout = 60s);

// A fresh directory under /tmp that the postgres user can reach (the embedded cluster runs as
// postgres when the tests run as root), removed at the end.
class TestDir {
 public:
  TestDir();
  ~TestDir();
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::string read_file(const fs::path& path);
void write_file(const fs::path& path, const std::string& text);

// <dir>/{cur,new,tmp}.
void make_maildir(const fs::path& maildir);
// As an MTA delivers: the whole file in tmp/, then renamed into new/.
void deliver(const fs::path& maildir, const std::string& name, const std::string& bytes);
// Regular files directly in dir (0 when it does not exist).
size_t count_files(const fs::path& dir);
// Files held in claim directories under <maildir>/bounced-claims/.
size_t count_claimed(const fs::path& maildir);

// A store fixture (tests/fixtures/store/<name>) made unique by a first header line carrying n:
// every copy has its own fingerprint.
std::string unique_bounce(size_t n, const std::string& fixture = "message-id-user-unknown.eml");

// bounced.yaml for a daemon reading `maildir` into `database_url` ("" = the embedded cluster
// under <dir>/state), logging JSON, with short retry and commit intervals for quick tests.
// `extra` is appended (more top-level YAML); `pipeline` lines go under `pipeline:`
// ("  batch_size: 20\n").
fs::path write_daemon_config(const fs::path& dir, const std::string& database_url,
                             const fs::path& maildir, const std::string& extra = "",
                             const std::string& pipeline = "");
std::string fixture(const std::string& relative_path);

}  // namespace bounced::test
