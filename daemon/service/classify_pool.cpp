#include "service/classify_pool.hpp"

#include "taxonomy.hpp"

namespace bounced::daemon::service {

namespace {

// At most this many recipients are spelled out in the log line; a mail to a list can have
// hundreds, and the database has them all.
constexpr size_t kVerdictsLogged = 10;

std::string verdicts_for_log(const ClassifiedMessage& message) {
  std::string out;
  size_t shown = 0;
  for (const auto& [status, verdict] : message.recipients) {
    if (shown == kVerdictsLogged) {
      out += " +" + std::to_string(message.recipients.size() - shown) + " more";
      break;
    }
    if (!out.empty()) out.push_back(' ');
    out.append(status.address).append("=").append(rules::to_string(verdict.category));
    out.append("/").append(verdict.reason);
    ++shown;
  }
  return out;
}

}  // namespace

ParsedMessage classify_message(const ClassifySettings& settings, intake::IncomingMessage message) {
  ParsedMessage parsed;
  ClassifiedMessage classified =
      settings.pipeline->run(message.source + "/" + message.name, message.bytes);
  if (classified.report.kind == classifiers::ReportKind::error) {
    parsed.error = classified.error;
    parsed.raw_unreadable = std::move(message.bytes);
  } else {
    parsed.not_bounce = classified.report.kind == classifiers::ReportKind::not_bounce;
    parsed.verdicts = verdicts_for_log(classified);
    // The time bounced received the mail, not the Date header a stranger wrote, when the
    // report has none.
    const auto received = std::chrono::time_point_cast<std::chrono::seconds>(message.received);
    parsed.record =
        to_bounce_record(classified, std::move(message.bytes), received, settings.record);
    // SHA-256 and zlib cost as much as the parse: done here, on all cores, not in the writer.
    store::prepare_record(*parsed.record, settings.raw_retention_days);
  }
  message.bytes.clear();
  parsed.message = std::move(message);
  return parsed;
}

ClassifyPool::ClassifyPool(BoundedQueue<intake::IncomingMessage>& intake,
                           BoundedQueue<ParsedMessage>& parsed, const RuntimeSettings& settings)
    : intake_(intake), parsed_(parsed), settings_(settings) {}

ClassifyPool::~ClassifyPool() = default;

void ClassifyPool::start(unsigned threads) {
  running_ = threads;
  for (unsigned i = 0; i < threads; ++i) threads_.emplace_back([this] { work(); });
}

void ClassifyPool::work() {
  intake::IncomingMessage message;
  while (intake_.pop(message) == BoundedQueue<intake::IncomingMessage>::Popped::item) {
    // Rules swapped in by a reload apply from the next message on.
    const auto settings = settings_.classify();
    // The parsed queue is closed only after this pool finished, so the push cannot fail.
    parsed_.push(classify_message(*settings, std::move(message)));
  }
  std::lock_guard lock(mutex_);
  if (--running_ == 0) finished_.notify_all();
}

bool ClassifyPool::wait_finished(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  return finished_.wait_until(lock, deadline, [&] { return running_ == 0; });
}

}  // namespace bounced::daemon::service
