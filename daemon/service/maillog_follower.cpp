#include "service/maillog_follower.hpp"

#include <condition_variable>
#include <mutex>

#include "database.hpp"
#include "maillog_reader.hpp"
#include "service/backoff.hpp"

namespace bounced::daemon::service {

namespace {

// Sleeps, waking early when stop is requested; true when stopping.
bool wait_or_stop(const std::stop_token& stop, std::chrono::milliseconds wait) {
  std::mutex mutex;
  std::condition_variable_any never;
  std::unique_lock lock(mutex);
  never.wait_for(lock, stop, wait, [] { return false; });
  return stop.stop_requested();
}

}  // namespace

MaillogFollower::MaillogFollower(std::string name, MaillogSourceConfig config, std::string conninfo,
                                 const RuntimeSettings& settings, log::EventLog& log)
    : name_(std::move(name)),
      config_(std::move(config)),
      conninfo_(std::move(conninfo)),
      settings_(settings),
      log_(log) {}

void MaillogFollower::run(std::stop_token stop) {
  Backoff backoff(std::chrono::seconds(1), std::chrono::seconds(60));
  std::string failing;  // the error being retried; logged once
  while (!stop.stop_requested()) {
    auto connected = store::Database::connect(conninfo_);
    std::string error;
    if (auto* failure = std::get_if<store::StoreError>(&connected)) {
      error = failure->to_string();
    } else {
      auto database = std::get<std::unique_ptr<store::Database>>(std::move(connected));
      const auto classify = settings_.classify();
      store::MaillogOptions options = *settings_.maillog();
      options.max_open_queue_ids = config_.max_open_queue_ids;
      options.queue_id_max_age = config_.queue_id_max_age;
      options.poll_interval = config_.poll_interval;
      store::MaillogReader reader(*database, classify->classifier, options);
      if (!failing.empty()) log_.info("source_available", {{"source", name_}, {"was", failing}});
      failing.clear();
      log_.info("maillog_following", {{"source", name_}, {"path", config_.path}});
      // Returns on stop, or when a reload brought other rules: the reader is then rebuilt.
      auto result = reader.follow(
          config_.path, [&] { return !stop.stop_requested() && settings_.classify() == classify; });
      if (auto* lost = std::get_if<store::StoreError>(&result)) {
        error = lost->to_string();
      } else {
        const auto& stats = std::get<store::MaillogStats>(result);
        log_.info("maillog_read", {{"source", name_},
                                   {"lines", stats.lines},
                                   {"deliveries", stats.deliveries},
                                   {"late_joined", stats.late_joined}});
        backoff.reset();
        continue;
      }
    }
    if (failing.empty()) {
      log_.error("source_unavailable", {{"source", name_}, {"error", error}});
    }
    failing = error;
    if (wait_or_stop(stop, backoff.next())) return;
  }
}

}  // namespace bounced::daemon::service
