#include "service/daemon.hpp"

#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <future>
#include <thread>

#include "service/source_factory.hpp"

namespace bounced::daemon::service {

namespace {

using Clock = std::chrono::steady_clock;

PipelineOptions pipeline_options(const Config& config, const DaemonDatabase& database) {
  const PipelineConfig& pipeline = config.daemon.pipeline;
  PipelineOptions options;
  options.workers =
      pipeline.workers ? pipeline.workers : std::max(1u, std::thread::hardware_concurrency());
  options.queue_messages = pipeline.queue_messages;
  options.queue_bytes = pipeline.queue_bytes;
  options.writer.conninfo = database.conninfo;
  options.writer.schema_version = database.schema_version;
  options.writer.batch_size = pipeline.batch_size.value_or(config.batch_size);
  options.writer.commit_interval = pipeline.commit_interval;
  options.writer.retry_initial = pipeline.retry_initial;
  options.writer.retry_max = pipeline.retry_max;
  return options;
}

// What a reload cannot change without a restart, by name.
std::vector<std::string> needs_restart(const Config& running, const Config& loaded) {
  std::vector<std::string> changed;
  auto differ = [](const YAML::Node& a, const YAML::Node& b) {
    return YAML::Dump(a) != YAML::Dump(b);
  };
  const auto& a = running.daemon.sources;
  const auto& b = loaded.daemon.sources;
  bool sources_differ = a.size() != b.size();
  for (size_t i = 0; !sources_differ && i < a.size(); ++i) {
    sources_differ = a[i].name != b[i].name || a[i].type != b[i].type ||
                     a[i].maildir.path != b[i].maildir.path ||
                     a[i].maildir.processed_folder != b[i].maildir.processed_folder ||
                     a[i].maildir.not_bounce_folder != b[i].maildir.not_bounce_folder ||
                     a[i].maillog.path != b[i].maillog.path || differ(a[i].options, b[i].options);
  }
  if (sources_differ) changed.push_back("sources");
  if (running.database_url != loaded.database_url) changed.push_back("database.url");
  if (running.state_dir != loaded.state_dir) changed.push_back("state_dir");
  if (running.quarantine_dir != loaded.quarantine_dir) changed.push_back("ingest.quarantine_dir");
  const PipelineConfig& p = running.daemon.pipeline;
  const PipelineConfig& q = loaded.daemon.pipeline;
  if (p.workers != q.workers || p.queue_messages != q.queue_messages ||
      p.queue_bytes != q.queue_bytes || p.batch_size != q.batch_size ||
      p.commit_interval != q.commit_interval ||
      running.limits.max_message_size != loaded.limits.max_message_size ||
      running.batch_size != loaded.batch_size) {
    changed.push_back("pipeline");
  }
  return changed;
}

}  // namespace

std::variant<std::unique_ptr<Daemon>, std::string> Daemon::create(LoadedRun loaded,
                                                                  DaemonDatabase database,
                                                                  RunLoader reload,
                                                                  log::EventLog& log) {
  std::unique_ptr<Daemon> daemon(
      new Daemon(std::move(loaded), std::move(database), std::move(reload), log));
  const Config& config = daemon->config_;
  if (config.daemon.sources.empty()) {
    return (config.source_file.empty() ? std::string("the configuration") : config.source_file) +
           ": no sources: configure at least one under `sources:` (see bounced.yaml.example)";
  }
  for (const auto& source : config.daemon.sources) {
    if (source.type == "maillog") {
      daemon->followers_.push_back(std::make_unique<MaillogFollower>(
          source.name, source.maillog, daemon->database_.conninfo, daemon->settings_, log));
      continue;
    }
    auto made = make_source(source, config, daemon->database_.conninfo, daemon->quarantine_, log);
    if (auto* error = std::get_if<std::string>(&made)) return *error;
    daemon->sources_.push_back(std::get<std::unique_ptr<intake::Source>>(std::move(made)));
    daemon->directory_.add(*daemon->sources_.back());
  }
  daemon->pipeline_ = std::make_unique<MessagePipeline>(pipeline_options(config, daemon->database_),
                                                        daemon->directory_, daemon->settings_,
                                                        daemon->quarantine_, log);
  return daemon;
}

Daemon::Daemon(LoadedRun loaded, DaemonDatabase database, RunLoader reload, log::EventLog& log)
    : config_(std::move(loaded.config)),
      database_(std::move(database)),
      reload_(std::move(reload)),
      log_(log),
      settings_(std::move(loaded.settings)),
      quarantine_(config_.quarantine_dir) {}

Daemon::~Daemon() = default;

bool Daemon::run(const sigset_t& signals) {
  // Data flows one way: the writer and the classify pool first, then the sources feeding them.
  pipeline_->start();
  std::vector<std::jthread> threads;
  for (auto& source : sources_) {
    threads.emplace_back(
        [this, &source](std::stop_token stop) { source->run(*pipeline_, std::move(stop)); });
  }
  for (auto& follower : followers_) {
    threads.emplace_back([&follower](std::stop_token stop) { follower->run(std::move(stop)); });
  }
  const auto options = pipeline_options(config_, database_);
  log_.info("started", {{"sources", config_.daemon.sources.size()},
                        {"workers", options.workers},
                        {"batch_size", options.writer.batch_size},
                        {"commit_interval_ms", options.writer.commit_interval.count()},
                        {"pid", static_cast<long long>(::getpid())}});
  notifier_.ready(status_line());

  // systemd wants a ping at least every WatchdogSec: send one every half of it, but only while
  // the writer goes round its loop (a writer stuck in the database gets us restarted).
  const auto watchdog = notifier_.watchdog_interval();
  const auto metrics_every = config_.daemon.log.metrics_interval;
  auto next_metrics = Clock::now() + metrics_every;
  auto next_status = Clock::now() + std::chrono::seconds(5);
  auto next_watchdog = Clock::now();
  std::future<void> reloading;
  for (;;) {
    auto wake = std::min(next_metrics, next_status);
    if (watchdog) wake = std::min(wake, next_watchdog);
    // While a reload runs, look in often to see it finish.
    if (reloading.valid()) wake = std::min(wake, Clock::now() + std::chrono::milliseconds(50));
    const auto wait = std::max(Clock::duration::zero(), wake - Clock::now());
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(wait);
    const timespec timeout{
        static_cast<time_t>(seconds.count()),
        static_cast<long>(
            std::chrono::duration_cast<std::chrono::nanoseconds>(wait - seconds).count())};
    const int signal = ::sigtimedwait(&signals, nullptr, &timeout);
    if (reloading.valid() &&
        reloading.wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
      reloading.get();
    }
    if (signal == SIGHUP) {
      // One reload at a time; a SIGHUP during one is answered by the one running.
      if (!reloading.valid()) reloading = std::async(std::launch::async, [this] { reload(); });
    } else if (signal == SIGTERM || signal == SIGINT) {
      log_.info("stopping", {{"signal", static_cast<long long>(signal)}});
      break;
    }
    const auto now = Clock::now();
    if (watchdog && now >= next_watchdog) {
      if (now - pipeline_->writer_alive() < *watchdog) notifier_.watchdog();
      next_watchdog = now + *watchdog / 2;
    }
    if (now >= next_status) {
      report_metrics(false);
      next_status = now + std::chrono::seconds(5);
    }
    if (now >= next_metrics) {
      report_metrics(true);
      next_metrics = now + metrics_every;
    }
  }
  if (reloading.valid()) reloading.get();

  notifier_.stopping();
  const auto deadline = Clock::now() + config_.daemon.pipeline.drain_timeout;
  // No more mail is taken; sources waiting in push() get false and keep their message.
  pipeline_->close_intake();
  for (auto& thread : threads) thread.request_stop();
  threads.clear();  // joins
  const bool drained = pipeline_->drain(deadline);
  report_metrics(true);
  log_.info("stopped", {{"drained", drained}});
  return drained;
}

void Daemon::reload() {
  notifier_.reloading();
  auto loaded = reload_();
  if (auto* errors = std::get_if<std::vector<std::string>>(&loaded)) {
    // The running configuration and rules stay as they were.
    for (const auto& error : *errors) log_.error("reload_failed", {{"error", error}});
    notifier_.ready(status_line());
    return;
  }
  auto& run = std::get<LoadedRun>(loaded);
  for (const auto& warning : run.warnings) log_.warning("reload_warning", {{"warning", warning}});
  for (const auto& setting : needs_restart(config_, run.config)) {
    log_.warning("restart_required", {{"setting", setting}});
  }
  settings_.replace(std::move(run.settings));
  const LogConfig& log = run.config.daemon.log;
  log_.configure(log.format, log::parse_log_level(log.level));
  // What took effect: rules, formats, VERP, join, suppression, retention, logging.
  config_.rules_dirs = run.config.rules_dirs;
  config_.daemon.log = run.config.daemon.log;
  log_.info("reloaded", {{"config", run.config.source_file},
                         {"rules", settings_.classify()->classifier->rule_count()}});
  notifier_.ready(status_line());
}

std::string Daemon::status_line() const {
  const auto intake = pipeline_->intake_stats();
  const auto parsed = pipeline_->parsed_stats();
  const auto& c = pipeline_->counters();
  return "intake " + std::to_string(intake.depth) + "/" + std::to_string(intake.capacity) +
         ", parsed " + std::to_string(parsed.depth) + "/" + std::to_string(parsed.capacity) +
         ", stored " + std::to_string(c.stored.load()) + ", duplicates " +
         std::to_string(c.duplicates.load()) + ", not bounce " +
         std::to_string(c.not_bounce.load()) + ", quarantined " +
         std::to_string(c.quarantined.load()) + ", database " +
         (c.database_available ? "up" : "unavailable");
}

void Daemon::report_metrics(bool to_log) {
  notifier_.status(status_line());
  if (!to_log) return;
  const auto intake = pipeline_->intake_stats();
  const auto parsed = pipeline_->parsed_stats();
  const auto& c = pipeline_->counters();
  log_.info("metrics", {{"intake_depth", intake.depth},
                        {"intake_bytes", intake.bytes},
                        {"intake_capacity", intake.capacity},
                        {"intake_high_water", intake.high_water},
                        {"intake_waited_when_full", intake.waited_when_full},
                        {"parsed_depth", parsed.depth},
                        {"parsed_bytes", parsed.bytes},
                        {"parsed_capacity", parsed.capacity},
                        {"parsed_high_water", parsed.high_water},
                        {"parsed_waited_when_full", parsed.waited_when_full},
                        {"received", c.received.load()},
                        {"stored", c.stored.load()},
                        {"duplicates", c.duplicates.load()},
                        {"not_bounce", c.not_bounce.load()},
                        {"quarantined", c.quarantined.load()},
                        {"released", c.released.load()},
                        {"batches", c.batches.load()},
                        {"write_failures", c.write_failures.load()},
                        {"database_available", c.database_available.load()}});
}

}  // namespace bounced::daemon::service
