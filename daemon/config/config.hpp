// bounced.yaml: where the database is, where state lives, how bounces are joined to sends and
// when they suppress. Every key is documented in packaging/bounced.yaml.example. Unknown keys
// are warned about with file:line:column, never silently ignored; bad values are errors with
// the same location, all of them in one run. Relative paths are relative to the directory of
// the configuration file.
#pragma once

#include <string>
#include <vector>

#include "config/daemon_config.hpp"
#include "message_limits.hpp"
#include "send_joiner.hpp"
#include "suppression_policy.hpp"

namespace bounced::daemon {

struct Config {
  std::string database_url;  // libpq conninfo/URI; "" = embedded cluster under state_dir
  std::string state_dir;     // "" = ./.state in a source checkout, else /var/lib/bounced
  std::string pg_bin_dir;    // embedded cluster: where initdb/pg_ctl are ("" = find)

  // Rule directories loaded after the shipped pack (later rule ids override earlier).
  std::vector<std::string> rules_dirs;
  std::string formats_dir;
  std::string verp_prefix;
  std::string verp_separator = "+";
  // Domains of the bounce mailbox (verp.domains): mail the MTA delivers there is not a send.
  std::vector<std::string> bounce_domains;

  store::JoinOptions join;
  store::SuppressionPolicyConfig suppression = store::SuppressionPolicyConfig::defaults();
  int raw_retention_days = 30;

  size_t batch_size = 500;
  std::string processed_folder = ".Processed";
  std::string quarantine_dir;  // "" = <state_dir>/quarantine

  DaemonConfig daemon;                // sources, log, pipeline: read by `bounced run` only
  classifiers::MessageLimits limits;  // limits: what one message may cost before quarantine

  std::string source_file;  // the file this came from ("" = built-in defaults)
};

struct ConfigMessage {
  std::string text;  // "file:line:col: message"
  bool is_error = false;
};

struct LoadedConfig {
  Config config;
  std::vector<ConfigMessage> messages;
  bool ok() const;
};

// Reads path; an empty path gives the defaults. A missing file is an error.
LoadedConfig load_config(const std::string& path);

// The configuration file to read: `given` (--config), else $BOUNCED_CONFIG, else
// /etc/bounced/bounced.yaml when it exists, else "" (the built-in defaults).
std::string config_path(const std::string& given);

// The state directory to use: config value, else ./.state when run from a checkout (a
// CMakeLists.txt and schema/ in the working directory), else /var/lib/bounced.
std::string effective_state_dir(const Config& config);

}  // namespace bounced::daemon
