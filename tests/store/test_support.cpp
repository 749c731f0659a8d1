#include "test_support.hpp"

#include <unistd.h>

#include <catch2/catch.hpp>

#include "data_paths.hpp"
#include "format_catalog.hpp"

namespace bounced::test {

ScratchDir::ScratchDir() {
  char pattern[] = "/tmp/bounced-test-XXXXXX";
  path_ = mkdtemp(pattern);
}

ScratchDir::~ScratchDir() {
  std::error_code error;
  fs::remove_all(path_, error);
}

std::shared_ptr<const rules::Classifier> semantics_classifier() {
  static ScratchDir empty_rules;
  auto built = rules::build_classifier({empty_rules.path().string()});
  REQUIRE(built.classifier);
  return built.classifier;
}

daemon::Pipeline semantics_pipeline() {
  auto catalog = classifiers::FormatCatalog::load_directory(
      (fs::path(BOUNCED_SOURCE_DIR) / "rules" / "formats").string());
  REQUIRE(std::holds_alternative<std::shared_ptr<const classifiers::FormatCatalog>>(catalog));
  auto parser = std::make_shared<const classifiers::BounceParser>(
      std::get<std::shared_ptr<const classifiers::FormatCatalog>>(std::move(catalog)),
      classifiers::ParserOptions{});
  return daemon::Pipeline(std::move(parser), semantics_classifier());
}

void make_maildir(const fs::path& dir, const std::vector<std::string>& fixtures) {
  for (const char* sub : {"cur", "new", "tmp"}) fs::create_directories(dir / sub);
  for (const auto& name : fixtures) fs::copy_file(kStoreFixtures / name, dir / "new" / name);
}

}  // namespace bounced::test
