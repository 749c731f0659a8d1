// The last stage of the pipeline: tells each message's source what became of it - stored,
// ordinary mail kept, quarantined, or given back - in the order the writer decided, and writes
// the message's log line. It runs on a thread of its own so that the writer starts the next
// transaction while the files of the last one are still being moved. Every acknowledge() and
// release() of the daemon goes through here: a source hears from one thread only.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "intake/source.hpp"
#include "log/event_log.hpp"
#include "service/bounded_queue.hpp"
#include "service/pipeline_counters.hpp"
#include "service/source_directory.hpp"

namespace bounced::daemon::service {

struct Outcome {
  enum class Kind { stored, not_bounce, quarantined, released };
  Kind kind = Kind::released;
  intake::IncomingMessage message;  // without its bytes
  std::string report_kind;          // dsn, non_dsn, arf, ... (stored and not_bounce)
  std::string verdicts;
  std::chrono::system_clock::time_point committed{};
};

class Acknowledger {
 public:
  Acknowledger(const SourceDirectory& sources, PipelineCounters& counters, log::EventLog& log);
  ~Acknowledger();

  void start();
  // Queues the outcomes of one batch; waits while several batches are still being acknowledged.
  void post(std::vector<Outcome> outcomes);
  // Waits until everything posted so far was acknowledged; false at the deadline.
  bool wait_idle(std::chrono::steady_clock::time_point deadline);

 private:
  void run();
  void acknowledge(Outcome& outcome);

  const SourceDirectory& sources_;
  PipelineCounters& counters_;
  log::EventLog& log_;
  BoundedQueue<std::vector<Outcome>> queue_;
  std::mutex mutex_;
  std::condition_variable idle_;
  std::size_t posted_ = 0;
  std::size_t done_ = 0;
  std::jthread thread_;
};

}  // namespace bounced::daemon::service
