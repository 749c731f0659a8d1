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
  size_t max_message_size = 32 * 1024 * 1024;
};

// Registers --rules, --formats, --header, --verp-prefix, --verp-separator, --max-size on cmd.
void add_pipeline_options(CLI::App& cmd, PipelineOptions& options);

// Loads and compiles; on failure prints every located error to stderr and returns nullopt.
std::optional<Pipeline> build_pipeline(const PipelineOptions& options);

// The same without printing: the daemon's reload logs the errors and keeps its old pipeline.
struct LoadedPipeline {
  std::optional<Pipeline> pipeline;                     // empty when there are errors
  std::shared_ptr<const rules::Classifier> classifier;  // the pipeline's
  std::vector<std::string> errors;                      // "file:line:column: message"
  std::vector<std::string> warnings;
};
LoadedPipeline load_pipeline(const PipelineOptions& options);

// Same for the rule engine alone (rules check/diff).
std::shared_ptr<const rules::Classifier> build_rules(const std::vector<std::string>& dirs,
                                                     bool print_warnings);

}  // namespace bounced::daemon::cli
