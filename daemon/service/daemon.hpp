// `bounced run`: the sources, the pipeline and the maillog followers of one configuration, and
// the main loop that watches over them (signals, systemd, metrics).
//
//   SIGTERM, SIGINT  stop taking mail, drain what was taken within pipeline.drain_timeout, exit
//   SIGHUP           reload bounced.yaml and the rules off to the side and swap them in; a
//                    broken file keeps the running set and logs file:line:column
//
// Settings a reload cannot change in place (sources, database, pipeline sizes) are logged as
// needing a restart, and the running values stay.
#pragma once

#include <chrono>
#include <csignal>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "config/config.hpp"
#include "intake/quarantine.hpp"
#include "intake/source.hpp"
#include "log/event_log.hpp"
#include "service/maillog_follower.hpp"
#include "service/message_pipeline.hpp"
#include "service/runtime_settings.hpp"
#include "service/source_directory.hpp"
#include "service/systemd_notifier.hpp"

namespace bounced::daemon::service {

// A configuration with everything built from it, ready to swap in.
struct LoadedRun {
  Config config;
  SettingsSet settings;
  std::vector<std::string> warnings;
};
// Loads the configuration file and its rules again (SIGHUP). Errors name file:line:column.
using RunLoader = std::function<std::variant<LoadedRun, std::vector<std::string>>()>;

struct DaemonDatabase {
  std::string conninfo;
  std::size_t schema_version = 0;  // migrations the database must have applied
};

class Daemon {
 public:
  // Builds the sources and the pipeline; an error names the source entry that is wrong.
  static std::variant<std::unique_ptr<Daemon>, std::string> create(LoadedRun loaded,
                                                                   DaemonDatabase database,
                                                                   RunLoader reload,
                                                                   log::EventLog& log);
  ~Daemon();

  // Runs until SIGTERM or SIGINT. `signals` (SIGTERM, SIGINT, SIGHUP) must be blocked in every
  // thread; the main thread takes them with sigtimedwait, so that Linux, which offers a signal
  // sent to the process to its main thread first, hands them to this loop and not to a
  // library's own signal thread (libmilter sigwait()s for the same three). The main thread
  // therefore spends its time waiting there: a reload runs on a thread of its own.
  // True when everything taken was drained in time.
  bool run(const sigset_t& signals);

 private:
  Daemon(LoadedRun loaded, DaemonDatabase database, RunLoader reload, log::EventLog& log);
  void reload();
  void report_metrics(bool to_log);
  std::string status_line() const;

  Config config_;
  DaemonDatabase database_;
  RunLoader reload_;
  log::EventLog& log_;
  RuntimeSettings settings_;
  intake::Quarantine quarantine_;
  SourceDirectory directory_;
  std::vector<std::unique_ptr<intake::Source>> sources_;
  std::vector<std::unique_ptr<MaillogFollower>> followers_;
  std::unique_ptr<MessagePipeline> pipeline_;
  SystemdNotifier notifier_;
};

}  // namespace bounced::daemon::service
