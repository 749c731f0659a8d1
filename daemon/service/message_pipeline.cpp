#include "service/message_pipeline.hpp"

namespace bounced::daemon::service {

namespace {

// After the drain deadline, a writer inside a transaction gets this much longer to finish it.
constexpr std::chrono::seconds kTransactionGrace{5};

}  // namespace

MessagePipeline::MessagePipeline(PipelineOptions options, const SourceDirectory& sources,
                                 const RuntimeSettings& settings,
                                 const intake::Quarantine& quarantine, log::EventLog& log)
    : options_(std::move(options)),
      log_(log),
      intake_("intake", options_.queue_messages, options_.queue_bytes,
              [](const intake::IncomingMessage& m) { return m.bytes.size(); }),
      // Parsed mail carries its raw bytes and their compressed hex: the same byte budget.
      parsed_("parsed", std::max(options_.queue_messages, options_.writer.batch_size * 2),
              options_.queue_bytes, [](const ParsedMessage& m) { return m.weight(); }),
      acknowledger_(sources, counters_, log),
      pool_(intake_, parsed_, settings),
      writer_(options_.writer, parsed_, acknowledger_, settings, quarantine, gate_, counters_,
              log) {}

MessagePipeline::~MessagePipeline() {
  close_intake();
  drain(std::chrono::steady_clock::now());
}

void MessagePipeline::start() {
  acknowledger_.start();
  pool_.start(options_.workers);
  writer_.start();
}

bool MessagePipeline::push(intake::IncomingMessage message) {
  // While the database is away the mail is better off in its source than in our memory.
  if (!gate_.wait_open()) return false;
  if (!intake_.push(std::move(message))) return false;
  ++counters_.received;
  return true;
}

void MessagePipeline::close_intake() {
  gate_.close_for_good();
  intake_.close();
}

bool MessagePipeline::drain(std::chrono::steady_clock::time_point deadline) {
  bool in_time = pool_.wait_finished(deadline);
  if (in_time) {
    parsed_.close();
    in_time = writer_.wait_finished(deadline);
  }
  if (in_time) return acknowledger_.wait_idle(deadline + kTransactionGrace);
  // Out of time: everything not yet in a transaction goes back to its source.
  writer_.abandon();
  release_all_queued();
  pool_.wait_finished(deadline + kTransactionGrace);
  release_all_queued();
  parsed_.close();
  const bool finished = writer_.wait_finished(std::chrono::steady_clock::now() + kTransactionGrace);
  acknowledger_.wait_idle(std::chrono::steady_clock::now() + kTransactionGrace);
  log_.warning("drain_timeout",
               {{"released", counters_.released.load()}, {"writer_finished", finished}});
  return finished;
}

void MessagePipeline::release_all_queued() {
  std::vector<Outcome> released;
  intake::IncomingMessage message;
  while (intake_.try_pop(message)) {
    message.bytes.clear();
    released.push_back({Outcome::Kind::released, std::move(message), {}, {}, {}});
  }
  ParsedMessage parsed;
  while (parsed_.try_pop(parsed)) {
    released.push_back({Outcome::Kind::released, std::move(parsed.message), {}, {}, {}});
  }
  acknowledger_.post(std::move(released));
}

}  // namespace bounced::daemon::service
