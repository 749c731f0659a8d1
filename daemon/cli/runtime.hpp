// What every subcommand that reads mail needs: the options that locate the rule pack and the
// format catalog, and the pipeline built from them.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pipeline.hpp"

namespace bounced::daemon::cli {

struct PipelineOptions {
  std::vector<std::string> rules_dirs;  // default pack, then overrides; empty = shipped pack
  std::string formats_dir;              // empty = shipped catalog
  std::vector<std::string> original_headers;
  std::string verp_prefix;
  std::string verp_separator = "+";
  classifiers::MessageLimits limits;  // bounced.yaml limits:, or the defaults
  size_t max_size = 0;                // --max-size; 0 = limits.max_message_size
};

// Registers --rules, --formats, --header, --verp-prefix, --verp-separator, --max-size on cmd.
void add_pipeline_options(CLI::App& cmd, PipelineOptions& options);

// The limits in force: the configured ones, with --max-size applied.
classifiers::MessageLimits effective_limits(const PipelineOptions& options);

// Loads and compiles; on failure prints every located error to stderr and returns nullopt.
std::optional<Pipeline> build_pipeline(const PipelineOptions& options);

// Same for the rule engine alone (rules check/diff).
std::shared_ptr<const rules::Classifier> build_rules(const std::vector<std::string>& dirs,
                                                     bool print_warnings);

}  // namespace bounced::daemon::cli
