// What every database command needs: --config/--state-dir/--database options, the loaded
// config, and an open, migrated database - the configured server, or the embedded cluster under
// the state directory when none is configured (started here, stopped when the session ends).
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <optional>
#include <string>

#include "config/config.hpp"
#include "database.hpp"
#include "embedded_cluster.hpp"
#include "runtime.hpp"
#include "signal_guard.hpp"

namespace bounced::daemon::cli {

struct StoreOptions {
  std::string config_file;   // "" = $BOUNCED_CONFIG, else /etc/bounced/bounced.yaml if present
  std::string state_dir;     // overrides the config
  std::string database_url;  // overrides the config
};

void add_store_options(CLI::App& cmd, StoreOptions& options);

// Loads the config with the command line's overrides and the derived defaults (state and
// quarantine directories), printing nothing: the messages are in the result.
LoadedConfig read_effective_config(const StoreOptions& options);

// Loads the config (printing warnings and errors to stderr); nullopt on errors.
std::optional<Config> load_effective_config(const StoreOptions& options);

// Loads the configuration file `given` (--config; else $BOUNCED_CONFIG, else
// /etc/bounced/bounced.yaml if present), printing every warning and error; nullopt on errors.
std::optional<Config> load_reported_config(const std::string& given);

struct StoreSession {
  Config config;
  std::unique_ptr<store::EmbeddedCluster> cluster;  // declared first: destroyed after db
  std::unique_ptr<store::Database> db;
  // Set when this process started the embedded server: Ctrl-C or SIGTERM stops it on the way out.
  std::unique_ptr<SignalGuard> guard;
};

// Opens the database. The embedded cluster is migrated on open; a configured server must have
// been migrated with `bounced db migrate` unless `migrate` is true. On failure the reason is on
// stderr and *failure_code (when given) says what failed: exit_code::usage for the
// configuration, exit_code::database for the database or the embedded cluster.
std::optional<StoreSession> open_store(const StoreOptions& options, bool migrate = false,
                                       int* failure_code = nullptr);

// The rule directories the config implies: the shipped pack, then rules.dirs.
std::vector<std::string> config_rule_dirs(const Config& config);

// The pipeline options the config implies, with command-line values winning: --rules replaces
// the rule directories; without it the shipped pack is loaded first and rules.dirs after it.
PipelineOptions pipeline_options_for(const Config& config, const PipelineOptions& command_line);

}  // namespace bounced::daemon::cli
