#include "service/acknowledger.hpp"

namespace bounced::daemon::service {

namespace {

// Batches that may wait for their files to be moved: enough to keep the writer going, few
// enough that memory stays flat (an outcome is a few hundred bytes; the mail itself is gone).
constexpr std::size_t kBatchesWaiting = 4;

}  // namespace

Acknowledger::Acknowledger(const SourceDirectory& sources, PipelineCounters& counters,
                           log::EventLog& log)
    : sources_(sources),
      counters_(counters),
      log_(log),
      queue_("acknowledge", kBatchesWaiting, static_cast<std::size_t>(-1), nullptr) {}

Acknowledger::~Acknowledger() {
  queue_.close();
}

void Acknowledger::start() {
  thread_ = std::jthread([this] { run(); });
}

void Acknowledger::post(std::vector<Outcome> outcomes) {
  if (outcomes.empty()) return;
  {
    std::lock_guard lock(mutex_);
    ++posted_;
  }
  queue_.push(std::move(outcomes));
}

bool Acknowledger::wait_idle(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  return idle_.wait_until(lock, deadline, [&] { return done_ == posted_; });
}

void Acknowledger::run() {
  std::vector<Outcome> batch;
  while (queue_.pop(batch) == BoundedQueue<std::vector<Outcome>>::Popped::item) {
    for (auto& outcome : batch) acknowledge(outcome);
    batch.clear();
    std::lock_guard lock(mutex_);
    ++done_;
    idle_.notify_all();
  }
}

void Acknowledger::acknowledge(Outcome& outcome) {
  intake::Source& source = sources_.of(outcome.message);
  const auto& message = outcome.message;
  switch (outcome.kind) {
    case Outcome::Kind::released:
      source.release(message);
      ++counters_.released;
      log_.debug("released", {{"source", message.source}, {"name", message.name}});
      return;
    case Outcome::Kind::quarantined:
      // The copy is durable (the writer logged where it is).
      source.acknowledge(message, intake::Disposition::quarantined);
      return;
    case Outcome::Kind::stored:
    case Outcome::Kind::not_bounce:
      break;
  }
  const bool not_bounce = outcome.kind == Outcome::Kind::not_bounce;
  source.acknowledge(message,
                     not_bounce ? intake::Disposition::not_bounce : intake::Disposition::stored);
  if (not_bounce) ++counters_.not_bounce;
  log_.info(not_bounce ? "not_bounce" : "stored",
            {{"source", message.source},
             {"name", message.name},
             {"kind", outcome.report_kind},
             {"verdicts", outcome.verdicts},
             {"latency_ms", std::chrono::duration_cast<std::chrono::milliseconds>(
                                outcome.committed - message.received)
                                .count()}});
}

}  // namespace bounced::daemon::service
