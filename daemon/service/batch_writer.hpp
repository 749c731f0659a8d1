// The one batching writer: takes classified mail from the parsed queue, commits it in batches
// (BounceStore::write: rows, join, suppression, outbox in one transaction) when a batch is full
// or its first message has waited commit_interval, and only then acknowledges each message in
// its source (through the Acknowledger, on its own thread). At least once: a crash between commit
// and acknowledge replays the mail, and the fingerprint makes the replay insert nothing.
//
// Database unavailable: the batch is released to its sources, the intake gate is shut (sources
// keep their mail), everything still queued is released as it arrives, and the connection is
// retried with capped exponential backoff; the state change is logged once each way. A batch
// the server refuses (an SQL error) is retried message by message, so one poisonous mail is
// quarantined with the server's reason instead of stopping the daemon; if every message is
// refused the fault is the database's, and it is treated as an outage.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bounce_store.hpp"
#include "database.hpp"
#include "intake/quarantine.hpp"
#include "log/event_log.hpp"
#include "service/acknowledger.hpp"
#include "service/backoff.hpp"
#include "service/bounded_queue.hpp"
#include "service/intake_gate.hpp"
#include "service/parsed_message.hpp"
#include "service/pipeline_counters.hpp"
#include "service/runtime_settings.hpp"

namespace bounced::daemon::service {

struct WriterOptions {
  std::string conninfo;
  std::size_t schema_version = 0;  // migrations the database must have applied
  std::size_t batch_size = 500;
  std::chrono::milliseconds commit_interval{200};
  std::chrono::milliseconds retry_initial{500};
  std::chrono::milliseconds retry_max{30000};
};

class BatchWriter {
 public:
  BatchWriter(WriterOptions options, BoundedQueue<ParsedMessage>& parsed,
              Acknowledger& acknowledger, const RuntimeSettings& settings,
              const intake::Quarantine& quarantine, IntakeGate& gate, PipelineCounters& counters,
              log::EventLog& log);
  ~BatchWriter();

  void start();
  // Waits until the (closed) parsed queue is empty and the last batch is done.
  bool wait_finished(std::chrono::steady_clock::time_point deadline);
  // Past the drain deadline: what is still queued is released instead of written.
  void abandon() { abandon_ = true; }

  // When the writer last went round its loop: for systemd's watchdog.
  std::chrono::steady_clock::time_point last_alive() const { return last_alive_.load(); }

 private:
  void run();
  bool connect();
  void disconnect(const std::string& reason);
  void commit(std::vector<ParsedMessage>& batch);
  // Writes records; on success acknowledges them. Returns the error, if any.
  std::optional<store::StoreError> write_and_acknowledge(std::vector<ParsedMessage*>& messages);
  void quarantine(ParsedMessage& message, const std::string& reason);
  void release(ParsedMessage& message);

  WriterOptions options_;
  BoundedQueue<ParsedMessage>& parsed_;
  Acknowledger& acknowledger_;
  const RuntimeSettings& settings_;
  const intake::Quarantine& quarantine_;
  IntakeGate& gate_;
  PipelineCounters& counters_;
  log::EventLog& log_;

  std::unique_ptr<store::Database> database_;
  std::unique_ptr<store::BounceStore> store_;
  std::shared_ptr<const store::BounceStoreOptions> store_options_;  // what store_ was built with
  Backoff backoff_;
  std::string outage_;  // why the database is unavailable; "" while it is

  std::atomic<bool> abandon_{false};
  std::atomic<std::chrono::steady_clock::time_point> last_alive_;
  std::mutex mutex_;
  std::condition_variable finished_;
  bool done_ = false;
  std::jthread thread_;
};

}  // namespace bounced::daemon::service
