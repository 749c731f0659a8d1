// The parse and classify stage of the daemon: a pool of threads (one per core by default) that
// take claimed mail from the intake queue, parse and classify it with the current rules,
// fingerprint and compress it for the store, and queue it for the writer. The work is pure CPU:
// the threads never touch the database or the source.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "intake/source.hpp"
#include "service/bounded_queue.hpp"
#include "service/parsed_message.hpp"
#include "service/runtime_settings.hpp"

namespace bounced::daemon::service {

// Parses and classifies one message (the stage, without the threads).
ParsedMessage classify_message(const ClassifySettings& settings, intake::IncomingMessage message);

class ClassifyPool {
 public:
  ClassifyPool(BoundedQueue<intake::IncomingMessage>& intake, BoundedQueue<ParsedMessage>& parsed,
               const RuntimeSettings& settings);
  ~ClassifyPool();

  void start(unsigned threads);
  // Waits until every thread has emptied the (closed) intake queue; false at the deadline.
  bool wait_finished(std::chrono::steady_clock::time_point deadline);

 private:
  void work();

  BoundedQueue<intake::IncomingMessage>& intake_;
  BoundedQueue<ParsedMessage>& parsed_;
  const RuntimeSettings& settings_;
  std::vector<std::jthread> threads_;
  std::mutex mutex_;
  std::condition_variable finished_;
  unsigned running_ = 0;
};

}  // namespace bounced::daemon::service
