#include "service/batch_writer.hpp"

namespace bounced::daemon::service {

namespace {

using Clock = std::chrono::steady_clock;
using Popped = BoundedQueue<ParsedMessage>::Popped;

// How often the writer goes round its loop when there is nothing to do: the watchdog's pulse.
constexpr std::chrono::seconds kIdleTick{1};

}  // namespace

BatchWriter::BatchWriter(WriterOptions options, BoundedQueue<ParsedMessage>& parsed,
                         Acknowledger& acknowledger, const RuntimeSettings& settings,
                         const intake::Quarantine& quarantine, IntakeGate& gate,
                         PipelineCounters& counters, log::EventLog& log)
    : options_(std::move(options)),
      parsed_(parsed),
      acknowledger_(acknowledger),
      settings_(settings),
      quarantine_(quarantine),
      gate_(gate),
      counters_(counters),
      log_(log),
      backoff_(options_.retry_initial, options_.retry_max),
      last_alive_(Clock::now()) {}

BatchWriter::~BatchWriter() = default;

void BatchWriter::start() {
  thread_ = std::jthread([this] { run(); });
}

bool BatchWriter::wait_finished(Clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  return finished_.wait_until(lock, deadline, [&] { return done_; });
}

void BatchWriter::run() {
  std::vector<ParsedMessage> batch;
  bool closed = false;
  while (!closed) {
    last_alive_ = Clock::now();
    if (!store_ && !connect()) {
      // Nothing can be written: what is still queued goes back to its source while we wait.
      const auto retry_at = Clock::now() + backoff_.next();
      ParsedMessage item;
      Popped popped;
      while ((popped = parsed_.pop_until(std::min(retry_at, Clock::now() + kIdleTick), item)) ==
             Popped::item) {
        release(item);
      }
      closed = popped == Popped::closed;
      // The watchdog needs a pulse during long backoffs too.
      while (!closed && Clock::now() < retry_at) {
        last_alive_ = Clock::now();
        popped = parsed_.pop_until(std::min(retry_at, Clock::now() + kIdleTick), item);
        if (popped == Popped::item) release(item);
        closed = popped == Popped::closed;
      }
      continue;
    }
    ParsedMessage first;
    const Popped popped = parsed_.pop_until(Clock::now() + kIdleTick, first);
    if (popped == Popped::timeout) continue;
    if (popped == Popped::closed) break;
    // A batch is full, or its first message has waited long enough: a lone bounce is stored
    // within commit_interval.
    batch.clear();
    batch.push_back(std::move(first));
    const auto deadline = Clock::now() + options_.commit_interval;
    while (batch.size() < options_.batch_size) {
      ParsedMessage next;
      const Popped more = parsed_.pop_until(deadline, next);
      if (more != Popped::item) {
        closed = more == Popped::closed;
        break;
      }
      batch.push_back(std::move(next));
    }
    commit(batch);
  }
  {
    std::lock_guard lock(mutex_);
    done_ = true;
  }
  finished_.notify_all();
}

bool BatchWriter::connect() {
  auto connected = store::Database::connect(options_.conninfo);
  if (auto* error = std::get_if<store::StoreError>(&connected)) {
    disconnect(error->to_string());
    return false;
  }
  auto database = std::get<std::unique_ptr<store::Database>>(std::move(connected));
  // A database restored from an old dump, or migrated by nobody: writing would fail on every
  // batch, so wait for `bounced db migrate` instead.
  auto versions = database->applied_versions();
  if (auto* error = std::get_if<store::StoreError>(&versions)) {
    disconnect(error->to_string());
    return false;
  }
  if (std::get<std::vector<int>>(versions).size() < options_.schema_version) {
    disconnect("the database schema is not current: run `bounced db migrate`");
    return false;
  }
  database_ = std::move(database);
  store_options_ = settings_.store();
  store_ = std::make_unique<store::BounceStore>(*database_, *store_options_);
  if (!outage_.empty()) {
    log_.info("database_available", {{"was", outage_}});
  } else {
    log_.info("database_connected", {});
  }
  outage_.clear();
  counters_.database_available = true;
  gate_.set_open(true);
  return true;
}

void BatchWriter::disconnect(const std::string& reason) {
  store_.reset();
  database_.reset();
  counters_.database_available = false;
  gate_.set_open(false);
  // Once per state change: a long outage is one line, not one per retry.
  if (outage_.empty()) log_.error("database_unavailable", {{"error", reason}});
  outage_ = reason;
}

void BatchWriter::commit(std::vector<ParsedMessage>& batch) {
  if (abandon_) {
    for (auto& message : batch) release(message);
    return;
  }
  // A reload changed the join or suppression settings: the next batch uses them.
  if (auto current = settings_.store(); current != store_options_) {
    store_options_ = current;
    store_ = std::make_unique<store::BounceStore>(*database_, *store_options_);
  }
  std::vector<ParsedMessage*> readable;
  for (auto& message : batch) {
    if (message.record) {
      readable.push_back(&message);
    } else {
      quarantine(message, message.error);
    }
  }
  if (readable.empty()) return;
  auto error = write_and_acknowledge(readable);
  if (!error) {
    backoff_.reset();
    return;
  }
  ++counters_.write_failures;
  if (error->kind == store::StoreError::Kind::connection) {
    for (auto* message : readable) release(*message);
    disconnect(error->to_string());
    return;
  }
  // The server refused the batch. Find out whether it refuses some mail or everything.
  std::vector<std::pair<ParsedMessage*, std::string>> refused;
  for (size_t i = 0; i < readable.size(); ++i) {
    std::vector<ParsedMessage*> one{readable[i]};
    auto single = write_and_acknowledge(one);
    if (!single) continue;
    if (single->kind == store::StoreError::Kind::connection) {
      for (auto& [message, reason] : refused) release(*message);
      for (size_t j = i; j < readable.size(); ++j) release(*readable[j]);
      disconnect(single->to_string());
      return;
    }
    refused.emplace_back(readable[i], single->to_string());
  }
  if (refused.size() == readable.size()) {
    for (auto* message : readable) release(*message);
    disconnect("every write refused: " + error->to_string());
    return;
  }
  for (auto& [message, reason] : refused) {
    quarantine(*message, "the database refused it: " + reason);
  }
}

std::optional<store::StoreError> BatchWriter::write_and_acknowledge(
    std::vector<ParsedMessage*>& messages) {
  std::vector<store::BounceRecord> records;
  records.reserve(messages.size());
  for (auto* message : messages) records.push_back(std::move(*message->record));
  const auto started = Clock::now();
  auto written = store_->write(records);
  // The records go back to their messages: a refused batch is retried one by one.
  for (size_t i = 0; i < messages.size(); ++i) *messages[i]->record = std::move(records[i]);
  if (auto* error = std::get_if<store::StoreError>(&written)) return *error;

  const auto& summary = std::get<store::WriteSummary>(written);
  ++counters_.batches;
  counters_.stored += summary.messages;
  counters_.duplicates += summary.duplicates;
  log_.info(
      "batch_committed",
      {{"messages", messages.size()},
       {"new", summary.messages},
       {"duplicates", summary.duplicates},
       {"recipients", summary.bounces},
       {"joined", summary.joined.total()},
       {"suppressed", summary.suppressed},
       {"ms",
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count()}});
  // Only now, with the rows committed, does the mail leave its source.
  const auto committed = std::chrono::system_clock::now();
  std::vector<Outcome> outcomes;
  outcomes.reserve(messages.size());
  for (auto* message : messages) {
    Outcome& outcome = outcomes.emplace_back();
    outcome.kind = message->not_bounce ? Outcome::Kind::not_bounce : Outcome::Kind::stored;
    outcome.message = std::move(message->message);
    outcome.report_kind = std::move(message->record->kind);
    outcome.verdicts = std::move(message->verdicts);
    outcome.committed = committed;
    message->record.reset();
  }
  acknowledger_.post(std::move(outcomes));
  return std::nullopt;
}

void BatchWriter::quarantine(ParsedMessage& message, const std::string& reason) {
  const std::string& bytes = message.record ? message.record->raw : message.raw_unreadable;
  std::string error;
  auto copy = quarantine_.keep(bytes, message.message.source, message.message.name, reason, error);
  if (!copy) {
    // Neither stored nor safely copied: it stays claimed in its source (a restart gives it
    // back) rather than going round in a loop of failing quarantines.
    log_.error("quarantine_failed", {{"source", message.message.source},
                                     {"name", message.message.name},
                                     {"reason", reason},
                                     {"error", error}});
    return;
  }
  ++counters_.quarantined;
  log_.warning("quarantined", {{"source", message.message.source},
                               {"name", message.message.name},
                               {"reason", reason},
                               {"copy", *copy}});
  Outcome outcome;
  outcome.kind = Outcome::Kind::quarantined;
  outcome.message = std::move(message.message);
  acknowledger_.post({std::move(outcome)});
}

void BatchWriter::release(ParsedMessage& message) {
  Outcome outcome;
  outcome.kind = Outcome::Kind::released;
  outcome.message = std::move(message.message);
  acknowledger_.post({std::move(outcome)});
}

}  // namespace bounced::daemon::service
