// A second process for the intake tests: runs one IMAP or milter source with a small writer
// that stands in for the pipeline, until SIGTERM. Several daemons on one folder, and the milter
// behind a real Postfix, are tested with real processes.
//
//   bounced_intake_worker imap --port P --user U --password X --conninfo C --out FILE
//                              [--lease SECONDS] [--hold] [--fetch-batch N]
//                              [--queue N --write-ms N]
//   bounced_intake_worker milter --socket S --on-stored discard|accept --conninfo C
//                                --commit-delay-ms N [--recipient PATTERN]...
//
// imap: each pushed message's name is appended to FILE, then acknowledged as stored. With
// --queue and --write-ms the writer behaves like the daemon's: its queue is bounded (a full
// queue makes the source wait) and each write takes that long, so one daemon cannot claim a
// whole folder before another has started.
// milter: each pushed message is INSERTed into milter_messages (committed), then, after the
// delay, acknowledged (a message without multipart/report as not a bounce); a failed INSERT
// releases it. SIGHUP is counted in FILE (milter: --out) as a line "sighup".
#include <pthread.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <condition_variable>
#include <deque>
#include <fstream>
#include <iostream>
#include <mutex>
#include <pqxx/pqxx>
#include <thread>

#include "imap_claim_store.hpp"
#include "intake/imap_source.hpp"
#include "intake/milter_source.hpp"

using namespace bounced::daemon::intake;

namespace {

// The writer's thread: takes pushed messages in order and runs `write` on each. A push waits
// while `capacity` messages are queued (0: unbounded).
class WorkerSink final : public MessageSink {
 public:
  explicit WorkerSink(std::function<void(const IncomingMessage&)> write, std::size_t capacity = 0)
      : write_(std::move(write)), capacity_(capacity), thread_([this] { loop(); }) {}
  ~WorkerSink() override {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    ready_.notify_all();
    space_.notify_all();
    thread_.join();
  }
  bool push(IncomingMessage message) override {
    std::unique_lock lock(mutex_);
    space_.wait(lock, [this] { return stopping_ || capacity_ == 0 || queue_.size() < capacity_; });
    if (stopping_) return false;
    queue_.push_back(std::move(message));
    ready_.notify_all();
    return true;
  }

 private:
  void loop() {
    std::unique_lock lock(mutex_);
    for (;;) {
      ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      IncomingMessage message = std::move(queue_.front());
      queue_.pop_front();
      space_.notify_all();
      lock.unlock();
      write_(message);
      lock.lock();
    }
  }
  std::function<void(const IncomingMessage&)> write_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::condition_variable space_;
  std::size_t capacity_;
  std::deque<IncomingMessage> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

void append_line(const std::string& path, const std::string& line) {
  std::ofstream out(path, std::ios::app);
  out << line << "\n";
}

// The daemon's own signal handling: every thread blocks the signals, the main thread waits.
int wait_for_termination(const std::string& out) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  for (;;) {
    int signo = 0;
    if (sigwait(&set, &signo) != 0) continue;
    if (signo == SIGHUP) {
      if (!out.empty()) append_line(out, "sighup");
      continue;
    }
    return signo;
  }
}

}  // namespace

int main(int argc, char** argv) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  CLI::App app{"bounced intake test worker"};
  app.require_subcommand(1);
  std::string conninfo, out;
  auto* imap = app.add_subcommand("imap");
  ImapSourceOptions imap_options;
  imap_options.name = "imap-worker";
  imap_options.host = "127.0.0.1";
  imap_options.security = ImapSecurity::none;
  imap_options.poll_interval = std::chrono::seconds(1);
  imap_options.reconnect_min = std::chrono::seconds(1);
  imap_options.reconnect_max = std::chrono::seconds(2);
  imap->add_option("--port", imap_options.port)->required();
  imap->add_option("--user", imap_options.username)->required();
  imap->add_option("--password", imap_options.password)->required();
  imap->add_option("--conninfo", conninfo)->required();
  imap->add_option("--out", out)->required();
  imap->add_option("--fetch-batch", imap_options.fetch_batch);
  int lease_seconds = 300;
  bool hold = false;
  imap->add_option("--lease", lease_seconds);
  imap->add_flag("--hold", hold, "never answer: a daemon that hangs or is about to be killed");
  std::size_t queue_capacity = 0;
  int write_ms = 0;
  imap->add_option("--queue", queue_capacity, "messages the writer may hold (0: unbounded)");
  imap->add_option("--write-ms", write_ms, "milliseconds each write takes");

  auto* milter = app.add_subcommand("milter");
  MilterSourceOptions milter_options;
  std::string on_stored = "discard";
  int commit_delay_ms = 0;
  milter->add_option("--socket", milter_options.socket)->required();
  milter->add_option("--on-stored", on_stored);
  milter->add_option("--conninfo", conninfo)->required();
  milter->add_option("--commit-delay-ms", commit_delay_ms);
  milter->add_option("--recipient", milter_options.recipients);
  milter->add_option("--out", out);
  std::string socket_mode;
  milter->add_option("--socket-mode", socket_mode, "octal, e.g. 0666");
  CLI11_PARSE(app, argc, argv);

  if (imap->parsed()) {
    auto claims = std::make_unique<bounced::store::ImapClaimStore>(
        conninfo, bounced::store::make_claim_owner(imap_options.name),
        std::chrono::seconds(lease_seconds));
    ImapSource source(imap_options, std::move(claims));
    WorkerSink sink(
        [&](const IncomingMessage& message) {
          std::this_thread::sleep_for(std::chrono::milliseconds(write_ms));
          append_line(out, message.name);
          if (!hold) source.acknowledge(message, Disposition::stored);
        },
        queue_capacity);
    std::jthread runner([&](std::stop_token stop) { source.run(sink, stop); });
    wait_for_termination(out + ".signals");
    runner.request_stop();
    runner.join();
    return 0;
  }

  milter_options.on_stored =
      on_stored == "accept" ? MilterOnStored::accept : MilterOnStored::discard;
  if (!socket_mode.empty()) milter_options.socket_mode = std::stoul(socket_mode, nullptr, 8);
  auto created = MilterSource::create(milter_options);
  if (auto* error = std::get_if<std::string>(&created)) {
    std::cerr << *error << "\n";
    return 1;
  }
  auto source = std::get<std::unique_ptr<MilterSource>>(std::move(created));
  WorkerSink sink([&](const IncomingMessage& message) {
    try {
      pqxx::connection connection(conninfo);
      pqxx::work tx(connection);
      tx.exec_params("INSERT INTO milter_messages (name, bytes) VALUES ($1, $2)", message.name,
                     message.bytes);
      tx.commit();
    } catch (const std::exception& error) {
      std::cerr << "not stored: " << error.what() << "\n";
      source->release(message);
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(commit_delay_ms));
    const bool bounce = message.bytes.find("multipart/report") != std::string::npos;
    source->acknowledge(message, bounce ? Disposition::stored : Disposition::not_bounce);
  });
  std::jthread runner([&](std::stop_token stop) { source->run(sink, stop); });
  wait_for_termination(out);
  runner.request_stop();
  runner.join();
  return 0;
}
