#include "store_session.hpp"

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "data_paths.hpp"
#include "exit_codes.hpp"
#include "partitions.hpp"
#include "state_dir_access.hpp"

namespace bounced::daemon::cli {

void add_store_options(CLI::App& cmd, StoreOptions& options) {
  cmd.add_option("--config", options.config_file,
                 "Configuration file (default: $BOUNCED_CONFIG or /etc/bounced/bounced.yaml)")
      ->expected(1);
  cmd.add_option("--state-dir", options.state_dir,
                 "State directory (embedded database, quarantine); default ./.state in a "
                 "checkout, else /var/lib/bounced");
  cmd.add_option("--database", options.database_url,
                 "PostgreSQL conninfo or URI; empty = embedded cluster under the state directory");
}

std::optional<Config> load_reported_config(const std::string& given) {
  LoadedConfig loaded = load_config(config_path(given));
  for (const auto& message : loaded.messages) {
    std::cerr << message.text << (message.is_error ? "" : " [warning]") << "\n";
  }
  if (!loaded.ok()) return std::nullopt;
  return std::move(loaded.config);
}

LoadedConfig read_effective_config(const StoreOptions& options) {
  LoadedConfig loaded = load_config(config_path(options.config_file));
  Config& config = loaded.config;
  if (!options.state_dir.empty()) config.state_dir = options.state_dir;
  if (!options.database_url.empty()) config.database_url = options.database_url;
  config.state_dir = effective_state_dir(config);
  if (config.quarantine_dir.empty()) {
    config.quarantine_dir = (std::filesystem::path(config.state_dir) / "quarantine").string();
  }
  return loaded;
}

std::optional<Config> load_effective_config(const StoreOptions& options) {
  LoadedConfig loaded = read_effective_config(options);
  for (const auto& message : loaded.messages) {
    std::cerr << message.text << (message.is_error ? "" : " [warning]") << "\n";
  }
  if (!loaded.ok()) return std::nullopt;
  return std::move(loaded.config);
}

std::optional<StoreSession> open_store(const StoreOptions& options, bool migrate,
                                       int* failure_code) {
  int ignored = 0;
  int& failure = failure_code ? *failure_code : ignored;
  failure = exit_code::usage;
  auto config = load_effective_config(options);
  if (!config) return std::nullopt;
  failure = exit_code::database;
  StoreSession session;
  session.config = std::move(*config);
  std::string conninfo = session.config.database_url;
  if (conninfo.empty()) {
    if (auto problem = unreachable_state_dir(session.config.state_dir)) {
      std::cerr << "embedded database: " << *problem << "\n";
      return std::nullopt;
    }
    store::EmbeddedClusterOptions cluster_options;
    cluster_options.directory = (std::filesystem::path(session.config.state_dir) / "pg").string();
    cluster_options.bin_dir = session.config.pg_bin_dir;
    auto started = store::EmbeddedCluster::start(cluster_options);
    if (auto* error = std::get_if<store::StoreError>(&started)) {
      std::cerr << "embedded database: " << error->to_string() << "\n";
      return std::nullopt;
    }
    session.cluster = std::get<std::unique_ptr<store::EmbeddedCluster>>(std::move(started));
    if (session.cluster->started_by_us()) {
      session.guard = std::make_unique<SignalGuard>(*session.cluster);
    }
    conninfo = session.cluster->conninfo();
    migrate = true;  // a private cluster is ours to keep current
  }
  auto connected = store::Database::connect(conninfo);
  if (auto* error = std::get_if<store::StoreError>(&connected)) {
    std::cerr << error->to_string() << "\n";
    return std::nullopt;
  }
  session.db = std::get<std::unique_ptr<store::Database>>(std::move(connected));
  auto migrations = store::load_migrations(store::default_schema_dir());
  if (auto* error = std::get_if<store::StoreError>(&migrations)) {
    std::cerr << error->to_string() << "\n";
    return std::nullopt;
  }
  const auto& all = std::get<std::vector<store::Migration>>(migrations);
  if (migrate) {
    auto applied = session.db->migrate(all);
    if (auto* error = std::get_if<store::StoreError>(&applied)) {
      std::cerr << "migrate: " << error->to_string() << "\n";
      return std::nullopt;
    }
  } else {
    auto versions = session.db->applied_versions();
    if (auto* error = std::get_if<store::StoreError>(&versions)) {
      std::cerr << error->to_string() << "\n";
      return std::nullopt;
    }
    if (std::get<std::vector<int>>(versions).size() < all.size()) {
      std::cerr << "the database schema is not current: run `bounced db migrate`\n";
      return std::nullopt;
    }
  }
  // This month's and next month's partitions, ahead of the first batch that needs them.
  for (const char* table : {"sends", "bounces"}) {
    store::PartitionKeeper keeper(table);
    if (store::Status s = keeper.ensure(*session.db, {}); !store::ok(s)) {
      std::cerr << std::get<store::StoreError>(s).to_string() << "\n";
      return std::nullopt;
    }
  }
  failure = exit_code::ok;
  return session;
}

std::vector<std::string> config_rule_dirs(const Config& config) {
  // bounced-rules(5): the shipped pack is always loaded first, rules.dirs after it (later ids
  // win), so a local directory overrides rules instead of replacing the pack. A configuration
  // that lists the shipped pack itself does not load it twice.
  const std::string shipped = default_data_paths().rules_dir;
  std::vector<std::string> dirs = {shipped};
  for (const auto& dir : config.rules_dirs) {
    std::error_code error;
    if (!std::filesystem::equivalent(dir, shipped, error)) dirs.push_back(dir);
  }
  return dirs;
}

PipelineOptions pipeline_options_for(const Config& config, const PipelineOptions& command_line) {
  PipelineOptions options = command_line;
  if (options.rules_dirs.empty()) options.rules_dirs = config_rule_dirs(config);
  if (options.formats_dir.empty()) options.formats_dir = config.formats_dir;
  if (options.verp_prefix.empty()) options.verp_prefix = config.verp_prefix;
  options.limits = config.limits;
  if (options.verp_separator == "+" && !config.verp_separator.empty()) {
    options.verp_separator = config.verp_separator;
  }
  // The join header must be among the original's headers the parser keeps (the parser's
  // defaults plus these).
  const classifiers::ParserOptions defaults;
  bool has_header = false;
  for (const auto& header : defaults.original_headers) has_header |= header == config.join.header;
  for (const auto& header : options.original_headers) has_header |= header == config.join.header;
  if (!has_header && !config.join.header.empty()) {
    options.original_headers.push_back(config.join.header);
  }
  return options;
}

}  // namespace bounced::daemon::cli
