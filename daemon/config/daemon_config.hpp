// The settings only `bounced run` reads: its sources, its log, and the sizes of its pipeline.
// Parsed by config/sources_config.cpp from the `sources:`, `log:` and `pipeline:` sections of
// bounced.yaml; every key is documented in packaging/bounced.yaml.example and bounced(8).
#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace bounced::daemon {

// A Maildir watched with inotify. Messages are claimed by renaming them out of new/ into a
// directory of this process under bounced-claims/, so several daemons can share the Maildir.
struct MaildirSourceConfig {
  std::string path;
  // Where stored mail goes: a Maildir++ folder under the Maildir, "" = delete. Unset = the
  // global ingest.processed_folder.
  std::optional<std::string> processed_folder;
  // Where mail that is no bounce goes: a Maildir++ folder, "" = left in the Maildir's cur/
  // (unread), where a person reading the mailbox finds it. Never deleted.
  std::string not_bounce_folder;
  // Claims of a process on another machine whose heartbeat is older than this are taken back.
  // (A dead process on this machine is recognised at once.)
  std::chrono::seconds stale_claim_after{300};
};

// The Postfix log, followed across rotations, as a source of synchronous outcomes.
struct MaillogSourceConfig {
  std::string path;
  // Queue ids seen (cleanup, qmgr) but not yet removed are kept in memory and in
  // maillog_queue; past either bound the oldest are forgotten.
  std::size_t max_open_queue_ids = 100000;
  std::chrono::seconds queue_id_max_age{std::chrono::hours(24 * 7)};
  std::chrono::milliseconds poll_interval{500};
};

struct SourceConfig {
  std::string name;      // in logs and in bounce_messages.source
  std::string type;      // maildir | maillog | imap | milter
  std::string location;  // "file:line:column" of the entry, for errors found later
  MaildirSourceConfig maildir;
  MaillogSourceConfig maillog;
  // imap and milter entries: their mapping as written, read into the intake's own option
  // structs by the code that builds those sources.
  YAML::Node options;
};

enum class LogFormat { logfmt, json };

struct LogConfig {
  LogFormat format = LogFormat::logfmt;
  std::string level = "info";  // debug | info | warning | error
  // How often the queue gauges and counters are logged (and put into systemd's STATUS=).
  std::chrono::seconds metrics_interval{60};
};

struct PipelineConfig {
  unsigned workers = 0;               // parse/classify threads; 0 = one per core
  std::size_t queue_messages = 1000;  // messages claimed and waiting to be parsed
  std::size_t queue_bytes = 32u << 20;
  std::optional<std::size_t> batch_size;  // unset = ingest.batch_size
  // A batch is committed when full or when its first message has waited this long.
  std::chrono::milliseconds commit_interval{200};
  std::chrono::seconds drain_timeout{20};        // SIGTERM: in-flight work gets this long
  std::chrono::milliseconds retry_initial{500};  // database unavailable: first wait ...
  std::chrono::seconds retry_max{30};            // ... doubling up to this
};

struct DaemonConfig {
  std::vector<SourceConfig> sources;
  LogConfig log;
  PipelineConfig pipeline;
};

}  // namespace bounced::daemon
