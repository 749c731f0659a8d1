#include "runtime.hpp"

#include <iostream>

#include "data_paths.hpp"
#include "format_catalog.hpp"

namespace bounced::daemon::cli {

void add_pipeline_options(CLI::App& cmd, PipelineOptions& options) {
  cmd.add_option(
      "--rules", options.rules_dirs,
      "Rule directories in order (later ids override earlier); default: the shipped pack");
  cmd.add_option("--formats", options.formats_dir, "Non-DSN format catalog directory");
  cmd.add_option("--header", options.original_headers,
                 "Extra header of the returned original to report (repeatable)");
  cmd.add_option("--verp-prefix", options.verp_prefix, "Local-part prefix of VERP addresses");
  cmd.add_option("--verp-separator", options.verp_separator, "VERP separator character")
      ->check([](const std::string& value) {
        return value.size() == 1 ? std::string() : std::string("must be one character");
      });
  cmd.add_option("--max-size", options.max_size,
                 "Largest message read, in bytes (default: limits.max_message_size, 32 MiB); "
                 "larger mail is refused unread")
      ->check(CLI::PositiveNumber);
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

std::optional<Pipeline> build_pipeline(const PipelineOptions& options) {
  const DataPaths paths = default_data_paths();
  auto catalog = classifiers::FormatCatalog::load_directory(
      options.formats_dir.empty() ? paths.formats_dir : options.formats_dir);
  if (auto* error = std::get_if<classifiers::CatalogError>(&catalog)) {
    std::cerr << error->message << "\n";
    return std::nullopt;
  }
  auto classifier = build_rules(options.rules_dirs, false);
  if (!classifier) return std::nullopt;
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
  return Pipeline(std::move(parser), std::move(classifier));
}

}  // namespace bounced::daemon::cli
