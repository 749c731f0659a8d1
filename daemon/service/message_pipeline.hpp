// The daemon's pipeline as its sources see it (a MessageSink):
//
//   sources --push--> [intake queue] --> classify pool (N threads) --> [parsed queue]
//           --> batch writer (one thread, one transaction per batch)
//           --> acknowledger (one thread: acknowledge/release in each source, the log lines)
//
// Both queues are bounded by count and bytes, so a slow database slows the sources down
// (push() waits) while memory stays flat. While the database is unavailable the intake gate is
// shut and push() waits for it; mail stays in its source.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "intake/quarantine.hpp"
#include "intake/source.hpp"
#include "log/event_log.hpp"
#include "service/acknowledger.hpp"
#include "service/batch_writer.hpp"
#include "service/bounded_queue.hpp"
#include "service/classify_pool.hpp"
#include "service/intake_gate.hpp"
#include "service/parsed_message.hpp"
#include "service/pipeline_counters.hpp"
#include "service/runtime_settings.hpp"
#include "service/source_directory.hpp"

namespace bounced::daemon::service {

struct PipelineOptions {
  unsigned workers = 1;
  std::size_t queue_messages = 1000;
  std::size_t queue_bytes = 32u << 20;
  WriterOptions writer;
};

class MessagePipeline final : public intake::MessageSink {
 public:
  MessagePipeline(PipelineOptions options, const SourceDirectory& sources,
                  const RuntimeSettings& settings, const intake::Quarantine& quarantine,
                  log::EventLog& log);
  ~MessagePipeline() override;

  void start();

  bool push(intake::IncomingMessage message) override;
  bool store_available() const override { return gate_.is_open(); }

  // Stopping, in order: no more mail is taken (push() returns false from now on) ...
  void close_intake();
  // ... then what was taken is parsed, written and acknowledged. At the deadline whatever is
  // left is released to its source; false if the writer was still inside a transaction then.
  bool drain(std::chrono::steady_clock::time_point deadline);

  QueueStats intake_stats() const { return intake_.stats(); }
  QueueStats parsed_stats() const { return parsed_.stats(); }
  const PipelineCounters& counters() const { return counters_; }
  std::chrono::steady_clock::time_point writer_alive() const { return writer_.last_alive(); }

 private:
  void release_all_queued();

  PipelineOptions options_;
  log::EventLog& log_;
  PipelineCounters counters_;
  IntakeGate gate_;
  BoundedQueue<intake::IncomingMessage> intake_;
  BoundedQueue<ParsedMessage> parsed_;
  Acknowledger acknowledger_;
  ClassifyPool pool_;
  BatchWriter writer_;
};

}  // namespace bounced::daemon::service
