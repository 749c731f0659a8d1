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
  std::string config_file;              // --config of the commands that have no database options
  std::vector<std::string> rules_dirs;  // default pack, then overrides; empty = configured pack
  std::string formats_dir;              // empty = shipped catalog
  std::vector<std::string> original_headers;
  std::string verp_prefix;
  std::string verp_separator = "+";
  classifiers::MessageLimits limits;  // bounced.yaml limits:, or the defaults
  size_t max_size = 0;                // --max-size; 0 = limits.max_message_size
};

// Registers --rules, --formats, --header, --verp-prefix, --verp-separator, --max-size on cmd.
// Each takes one value per occurrence (repeat --rules for several directories), so none of them
// swallows the paths that follow.
void add_pipeline_options(CLI::App& cmd, PipelineOptions& options);

// --rules DIR (repeatable, one value each) for commands that only need the rule engine.
void add_rules_option(CLI::App& cmd, std::vector<std::string>& dirs);

// --config FILE into options.config_file, for the commands that read mail or rules without a
// database (classify, explain, unknowns, rules ...).
void add_config_option(CLI::App& cmd, PipelineOptions& options);

// The command line's options completed from the configuration (--config, $BOUNCED_CONFIG or
// /etc/bounced/bounced.yaml): rules, formats, VERP, join header. Problems are printed; nullopt
// when the configuration has errors.
std::optional<PipelineOptions> configured_pipeline_options(const PipelineOptions& command_line);

// The limits in force: the configured ones, with --max-size applied.
classifiers::MessageLimits effective_limits(const PipelineOptions& options);

// Loads and compiles; on failure prints every located error to stderr and returns nullopt.
std::optional<Pipeline> build_pipeline(const PipelineOptions& options);

// Every problem of a rule pack in one pass: the loader's (YAML, structure, ids, reasons), every
// regex that does not compile, and the examples of every rule that does - a bad regex does not
// hide the rest. Errors (and warnings unless quiet) are printed; returns the error count and
// the compiled pack (without the rules whose regex failed).
struct PackCheck {
  size_t errors = 0;
  std::shared_ptr<const rules::Classifier> classifier;
};
PackCheck check_rule_pack(const std::vector<std::string>& dirs, bool quiet_warnings);

// The same without printing: the daemon's reload logs the errors and keeps its old pipeline.
struct LoadedPipeline {
  std::optional<Pipeline> pipeline;                     // empty when there are errors
  std::shared_ptr<const rules::Classifier> classifier;  // the pipeline's
  std::vector<std::string> errors;                      // "file:line:column: message"
  std::vector<std::string> warnings;
};
LoadedPipeline load_pipeline(const PipelineOptions& options);

// Same for the rule engine alone (rules check/diff). Empty dirs: the shipped pack.
std::shared_ptr<const rules::Classifier> build_rules(const std::vector<std::string>& dirs,
                                                     bool print_warnings);

}  // namespace bounced::daemon::cli
