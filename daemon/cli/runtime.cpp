#include "runtime.hpp"

#include <re2/re2.h>

#include <iostream>

#include "data_paths.hpp"
#include "format_catalog.hpp"
#include "store_session.hpp"

namespace bounced::daemon::cli {

void add_rules_option(CLI::App& cmd, std::vector<std::string>& dirs) {
  cmd.add_option("--rules", dirs,
                 "A rule directory; repeat for several, later ids override earlier (default: the "
                 "shipped pack, then the configuration's rules.dirs)")
      ->allow_extra_args(false);
}

void add_pipeline_options(CLI::App& cmd, PipelineOptions& options) {
  add_rules_option(cmd, options.rules_dirs);
  cmd.add_option("--formats", options.formats_dir, "Non-DSN format catalog directory")->expected(1);
  cmd.add_option("--header", options.original_headers,
                 "Extra header of the returned original to report (repeatable)")
      ->allow_extra_args(false);
  cmd.add_option("--verp-prefix", options.verp_prefix, "Local-part prefix of VERP addresses")
      ->expected(1);
  cmd.add_option("--verp-separator", options.verp_separator, "VERP separator character")
      ->expected(1)
      ->check([](const std::string& value) {
        return value.size() == 1 ? std::string() : std::string("must be one character");
      });
  cmd.add_option("--max-size", options.max_size,
                 "Largest message read, in bytes (default: limits.max_message_size, 32 MiB); "
                 "larger mail is refused unread")
      ->check(CLI::PositiveNumber);
}

void add_config_option(CLI::App& cmd, PipelineOptions& options) {
  cmd.add_option("--config", options.config_file,
                 "Configuration file: its rules, formats and VERP settings (default: "
                 "$BOUNCED_CONFIG or /etc/bounced/bounced.yaml)")
      ->expected(1);
}

std::optional<PipelineOptions> configured_pipeline_options(const PipelineOptions& command_line) {
  auto config = load_reported_config(command_line.config_file);
  if (!config) return std::nullopt;
  return pipeline_options_for(*config, command_line);
}

PackCheck check_rule_pack(const std::vector<std::string>& dirs, bool quiet_warnings) {
  PackCheck check;
  rules::LoadedRules loaded = rules::load_rule_directories(dirs);
  auto report = [&](const rules::RuleDiagnostic& diagnostic) {
    if (diagnostic.is_error) ++check.errors;
    if (diagnostic.is_error || !quiet_warnings) std::cerr << diagnostic.to_string() << "\n";
  };
  for (const auto& diagnostic : loaded.diagnostics) report(diagnostic);
  std::vector<rules::RuleSet> sets = loaded.sets;
  auto compiled = rules::Classifier::compile(sets);
  if (auto* problems = std::get_if<std::vector<rules::RuleDiagnostic>>(&compiled)) {
    for (const auto& problem : *problems) report(problem);
    // Leave the rules whose regex does not compile out, and check the others.
    RE2::Options syntax;
    syntax.set_case_sensitive(false);
    syntax.set_log_errors(false);
    for (auto& set : sets) {
      std::erase_if(set.rules,
                    [&](const rules::Rule& rule) { return !RE2(rule.match, syntax).ok(); });
    }
    compiled = rules::Classifier::compile(sets);
  }
  if (auto* classifier = std::get_if<std::shared_ptr<const rules::Classifier>>(&compiled)) {
    for (const auto& problem : (*classifier)->check_examples()) report(problem);
    check.classifier = *classifier;
  } else {
    for (const auto& problem : std::get<std::vector<rules::RuleDiagnostic>>(compiled)) {
      report(problem);
    }
  }
  return check;
}

classifiers::MessageLimits effective_limits(const PipelineOptions& options) {
  classifiers::MessageLimits limits = options.limits;
  if (options.max_size > 0) limits.max_message_size = options.max_size;
  return limits;
}

std::shared_ptr<const rules::Classifier> build_rules(const std::vector<std::string>& dirs,
                                                     bool print_warnings) {
  std::vector<std::string> effective = dirs;
  if (effective.empty()) effective.push_back(default_data_paths().rules_dir);
  rules::BuiltClassifier built = rules::build_classifier(effective);
  for (const auto& diagnostic : built.diagnostics) {
    if (diagnostic.is_error || print_warnings) std::cerr << diagnostic.to_string() << "\n";
  }
  return built.classifier;
}

LoadedPipeline load_pipeline(const PipelineOptions& options) {
  LoadedPipeline loaded;
  const DataPaths paths = default_data_paths();
  auto catalog = classifiers::FormatCatalog::load_directory(
      options.formats_dir.empty() ? paths.formats_dir : options.formats_dir);
  if (auto* error = std::get_if<classifiers::CatalogError>(&catalog)) {
    loaded.errors.push_back(error->message);
    return loaded;
  }
  std::vector<std::string> dirs = options.rules_dirs;
  if (dirs.empty()) dirs.push_back(paths.rules_dir);
  rules::BuiltClassifier built = rules::build_classifier(dirs);
  for (const auto& diagnostic : built.diagnostics) {
    (diagnostic.is_error ? loaded.errors : loaded.warnings).push_back(diagnostic.to_string());
  }
  if (!built.classifier) return loaded;
  classifiers::ParserOptions parser_options;
  for (const auto& header : options.original_headers) {
    parser_options.original_headers.push_back(header);
  }
  parser_options.verp.prefix = options.verp_prefix;
  parser_options.verp.separator = options.verp_separator.empty() ? '+' : options.verp_separator[0];
  parser_options.limits = effective_limits(options);
  auto parser = std::make_shared<const classifiers::BounceParser>(
      std::get<std::shared_ptr<const classifiers::FormatCatalog>>(std::move(catalog)),
      std::move(parser_options));
  loaded.classifier = built.classifier;
  loaded.pipeline.emplace(std::move(parser), std::move(built.classifier));
  return loaded;
}

std::optional<Pipeline> build_pipeline(const PipelineOptions& options) {
  LoadedPipeline loaded = load_pipeline(options);
  for (const auto& error : loaded.errors) std::cerr << error << "\n";
  return std::move(loaded.pipeline);
}

}  // namespace bounced::daemon::cli
