#include "store_session.hpp"

#include <cstdlib>
#include <filesystem>
#include <iostream>

namespace bounced::daemon::cli {

void add_store_options(CLI::App& cmd, StoreOptions& options) {
  cmd.add_option("--config", options.config_file,
                 "Configuration file (default: $BOUNCED_CONFIG or /etc/bounced/bounced.yaml)");
  cmd.add_option("--state-dir", options.state_dir,
                 "State directory (embedded database, quarantine); default ./.state in a "
                 "checkout, else /var/lib/bounced");
  cmd.add_option("--database", options.database_url,
                 "PostgreSQL conninfo or URI; empty = embedded cluster under the state directory");
}

std::optional<Config> load_effective_config(const StoreOptions& options) {
  std::string path = options.config_file;
  if (path.empty()) {
    if (const char* env = std::getenv("BOUNCED_CONFIG"); env && *env) {
      path = env;
    } else if (std::filesystem::exists("/etc/bounced/bounced.yaml")) {
      path = "/etc/bounced/bounced.yaml";
    }
  }
  LoadedConfig loaded = load_config(path);
  for (const auto& message : loaded.messages) {
    std::cerr << message.text << (message.is_error ? "" : " [warning]") << "\n";
  }
  if (!loaded.ok()) return std::nullopt;
  Config config = std::move(loaded.config);
  if (!options.state_dir.empty()) config.state_dir = options.state_dir;
  if (!options.database_url.empty()) config.database_url = options.database_url;
  config.state_dir = effective_state_dir(config);
  if (config.quarantine_dir.empty()) {
    config.quarantine_dir = (std::filesystem::path(config.state_dir) / "quarantine").string();
  }
  return config;
}

std::optional<StoreSession> open_store(const StoreOptions& options, bool migrate) {
  auto config = load_effective_config(options);
  if (!config) return std::nullopt;
  StoreSession session;
  session.config = std::move(*config);
  std::string conninfo = session.config.database_url;
  if (conninfo.empty()) {
    store::EmbeddedClusterOptions cluster_options;
    cluster_options.directory = (std::filesystem::path(session.config.state_dir) / "pg").string();
    cluster_options.bin_dir = session.config.pg_bin_dir;
    auto started = store::EmbeddedCluster::start(cluster_options);
    if (auto* error = std::get_if<store::StoreError>(&started)) {
      std::cerr << "embedded database: " << error->to_string() << "\n";
      return std::nullopt;
    }
    session.cluster = std::get<std::unique_ptr<store::EmbeddedCluster>>(std::move(started));
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
  return session;
}

PipelineOptions pipeline_options_for(const Config& config, const PipelineOptions& command_line) {
  PipelineOptions options = command_line;
  if (options.rules_dirs.empty()) options.rules_dirs = config.rules_dirs;
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
