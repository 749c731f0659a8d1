// The worker processes behind `bounced classify -j N`: answers in input order, nothing lost when
// a worker dies, no process left behind.
#include "worker_processes.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using bounced::daemon::SourceMessage;
using bounced::daemon::WorkerProcesses;

namespace {

// What the workers answered, and what was given up, in delivery order.
struct Delivered {
  std::vector<std::string> answers;
};

// A job that tells what it got: the message's name, its size, and whether it was marked unread.
std::string echo(const SourceMessage& message) {
  return message.name + ":" + std::to_string(message.bytes.size()) +
         (message.unread ? ":unread" : "");
}

WorkerProcesses::Lost given_up() {
  return [](const SourceMessage& message, const std::string& reason) {
    return message.name + ": lost: " + reason;
  };
}

// No child of this process is left, running or a zombie.
bool no_children() {
  return ::waitpid(-1, nullptr, WNOHANG) < 0 && errno == ECHILD;
}

SourceMessage message(const std::string& name, std::string bytes = "x") {
  return SourceMessage{name, std::move(bytes)};
}

}  // namespace

TEST_CASE("worker processes answer in input order whatever order they finish in", "[workers]") {
  Delivered delivered;
  {
    WorkerProcesses workers(
        3,
        [](const SourceMessage& m) {
          // Every seventh message is slow, so later ones finish first on the other workers.
          if (std::stoi(m.name) % 7 == 0) ::usleep(20'000);
          return m.name + "=" + std::to_string(::getpid());
        },
        [&](std::string_view answer) { delivered.answers.emplace_back(answer); }, given_up());
    for (int i = 0; i < 300; ++i) workers.submit(message(std::to_string(i)));
    workers.finish();
  }
  REQUIRE(delivered.answers.size() == 300);
  std::vector<std::string> pids;
  for (int i = 0; i < 300; ++i) {
    const std::string& answer = delivered.answers[static_cast<size_t>(i)];
    REQUIRE(answer.starts_with(std::to_string(i) + "="));
    const std::string pid = answer.substr(answer.find('=') + 1);
    CHECK(pid != std::to_string(::getpid()));
    if (std::find(pids.begin(), pids.end(), pid) == pids.end()) pids.push_back(pid);
  }
  CHECK(pids.size() == 3);  // the work was shared
  CHECK(no_children());
}

TEST_CASE("worker processes carry names, bytes and the unread mark whole", "[workers]") {
  Delivered delivered;
  const std::string large(3 * 1024 * 1024 + 17, 'm');  // larger than any buffer on the way
  WorkerProcesses workers(
      2,
      [](const SourceMessage& m) {
        // A large answer too: the parent must read while the worker writes.
        if (m.name == "large") return std::string(2 * 1024 * 1024, 'a') + echo(m);
        return echo(m);
      },
      [&](std::string_view answer) { delivered.answers.emplace_back(answer); }, given_up());
  workers.submit(message("empty", ""));
  workers.submit(message("large", large));
  workers.submit(SourceMessage{"/some/file.eml", "", true});
  workers.submit(message(std::string(1000, 'n'), "abc"));
  workers.finish();
  REQUIRE(delivered.answers.size() == 4);
  CHECK(delivered.answers[0] == "empty:0");
  CHECK(delivered.answers[1] ==
        std::string(2 * 1024 * 1024, 'a') + "large:" + std::to_string(large.size()));
  CHECK(delivered.answers[2] == "/some/file.eml:0:unread");
  CHECK(delivered.answers[3] == std::string(1000, 'n') + ":3");
  CHECK(no_children());
}

TEST_CASE("more workers than messages, and no messages at all", "[workers]") {
  Delivered delivered;
  {
    WorkerProcesses workers(
        8, echo, [&](std::string_view answer) { delivered.answers.emplace_back(answer); },
        given_up());
    CHECK(workers.worker_ids().size() == 8);
    workers.submit(message("a"));
    workers.submit(message("b"));
    workers.finish();
    CHECK(workers.worker_ids().empty());
  }
  CHECK(delivered.answers == std::vector<std::string>{"a:1", "b:1"});
  CHECK(no_children());

  Delivered none;
  {
    WorkerProcesses workers(
        2, echo, [&](std::string_view answer) { none.answers.emplace_back(answer); }, given_up());
    workers.finish();
  }
  CHECK(none.answers.empty());
  CHECK(no_children());
}

TEST_CASE("a message its worker dies on twice is delivered as lost, the others all answered",
          "[workers]") {
  Delivered delivered;
  {
    WorkerProcesses workers(
        2,
        [](const SourceMessage& m) {
          if (m.name == "crash") ::raise(SIGKILL);
          if (m.name == "exit") ::_exit(3);
          return echo(m);
        },
        [&](std::string_view answer) { delivered.answers.emplace_back(answer); }, given_up());
    for (int i = 0; i < 100; ++i) {
      workers.submit(message(i == 10 ? "crash" : i == 50 ? "exit" : std::to_string(i)));
    }
    workers.finish();
  }
  REQUIRE(delivered.answers.size() == 100);
  for (int i = 0; i < 100; ++i) {
    const std::string& answer = delivered.answers[static_cast<size_t>(i)];
    if (i == 10) {
      CHECK(answer ==
            "crash: lost: the worker process classifying it died, 2 times; last killed "
            "by signal 9 (Killed)");
    } else if (i == 50) {
      CHECK(answer ==
            "exit: lost: the worker process classifying it died, 2 times; last exited "
            "with status 3");
    } else {
      CHECK(answer == std::to_string(i) + ":1");
    }
  }
  CHECK(no_children());
}

TEST_CASE("a worker killed from outside costs nothing: its messages go to another", "[workers]") {
  Delivered delivered;
  {
    WorkerProcesses workers(
        2,
        [](const SourceMessage& m) {
          if (m.name == "slow") ::usleep(200'000);
          return echo(m);
        },
        [&](std::string_view answer) { delivered.answers.emplace_back(answer); }, given_up());
    // "slow" goes to the first worker (none is busy yet); it is killed while on it, or before.
    workers.submit(message("slow"));
    const pid_t victim = workers.worker_ids().front();
    for (int i = 0; i < 20; ++i) workers.submit(message(std::to_string(i)));
    REQUIRE(::kill(victim, SIGKILL) == 0);
    for (int i = 20; i < 40; ++i) workers.submit(message(std::to_string(i)));
    workers.finish();
  }
  REQUIRE(delivered.answers.size() == 41);
  CHECK(delivered.answers[0] == "slow:1");
  for (int i = 0; i < 40; ++i) {
    CHECK(delivered.answers[static_cast<size_t>(i + 1)] == std::to_string(i) + ":1");
  }
  CHECK(no_children());
}

TEST_CASE("answers known without a worker keep their place", "[workers]") {
  Delivered delivered;
  WorkerProcesses workers(
      2,
      [](const SourceMessage& m) {
        ::usleep(5'000);
        return echo(m);
      },
      [&](std::string_view answer) { delivered.answers.emplace_back(answer); }, given_up());
  workers.submit(message("a"));
  workers.submit_answered("unreadable");
  workers.submit(message("b"));
  workers.finish();
  CHECK(delivered.answers == std::vector<std::string>{"a:1", "unreadable", "b:1"});
}

TEST_CASE("worker processes are not forked while another thread runs", "[workers]") {
  std::mutex mutex;
  std::condition_variable wake;
  bool done = false;
  std::thread other([&] {
    std::unique_lock lock(mutex);
    wake.wait(lock, [&] { return done; });
  });
  CHECK_THROWS_AS(WorkerProcesses(
                      2, echo, [](std::string_view) {}, given_up()),
                  std::logic_error);
  {
    std::lock_guard lock(mutex);
    done = true;
  }
  wake.notify_one();
  other.join();
  CHECK(no_children());
}

TEST_CASE("workers do not outlive a parent that dies", "[workers]") {
  // The parent here is a child of the test (it must die without killing the test): it starts two
  // workers, writes their pids to a pipe and is killed; the workers must follow it.
  int ids[2];
  REQUIRE(::pipe(ids) == 0);
  const pid_t parent = ::fork();
  REQUIRE(parent >= 0);
  if (parent == 0) {
    ::close(ids[0]);
    WorkerProcesses workers(
        2,
        [](const SourceMessage&) {
          ::pause();
          return std::string();
        },
        [](std::string_view) {}, given_up());
    workers.submit(message("a"));
    workers.submit(message("b"));
    for (pid_t id : workers.worker_ids()) {
      if (::write(ids[1], &id, sizeof id) != sizeof id) ::_exit(1);
    }
    ::close(ids[1]);
    ::pause();
    ::_exit(0);
  }
  ::close(ids[1]);
  std::vector<pid_t> worker_ids;
  pid_t id = 0;
  // Two reads, not to the end: the workers hold copies of the pipe's writing end.
  while (worker_ids.size() < 2 && ::read(ids[0], &id, sizeof id) == sizeof id) {
    worker_ids.push_back(id);
  }
  ::close(ids[0]);
  REQUIRE(worker_ids.size() == 2);
  REQUIRE(::kill(parent, SIGKILL) == 0);
  REQUIRE(::waitpid(parent, nullptr, 0) == parent);
  // Reparented and killed by the kernel: gone (or a zombie of init's) within a moment.
  for (pid_t worker : worker_ids) {
    bool gone = false;
    for (int tries = 0; tries < 200 && !gone; ++tries) {
      const std::string stat = "/proc/" + std::to_string(worker) + "/stat";
      FILE* file = std::fopen(stat.c_str(), "r");
      char state = 'Z';
      if (file != nullptr) {
        if (std::fscanf(file, "%*d %*s %c", &state) != 1) state = 'Z';
        std::fclose(file);
      }
      gone = file == nullptr || state == 'Z' || state == 'X';
      if (!gone) ::usleep(10'000);
    }
    CHECK(gone);
  }
}
