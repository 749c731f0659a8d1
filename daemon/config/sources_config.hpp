// Reads the daemon's sections of bounced.yaml (`sources:`, `log:`, `pipeline:`) into
// DaemonConfig. Kept apart from config.cpp, which reads what every command shares.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "config/config.hpp"

namespace bounced::daemon {

// Problems are appended to `messages` as "file:line:column: text" (errors and warnings for
// unknown keys). Relative Maildir and log paths are taken from the configuration file's
// directory.
void read_daemon_config(const YAML::Node& root, const std::string& file, DaemonConfig& config,
                        std::vector<ConfigMessage>& messages);

}  // namespace bounced::daemon
