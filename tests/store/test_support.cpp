#include "test_support.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "data_paths.hpp"
#include "format_catalog.hpp"
#include "time_text.hpp"

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

const std::map<std::string, std::string>& fixture_arrivals() {
  static const std::map<std::string, std::string> arrivals = {
      {"message-id-user-unknown.eml", "2026-01-08T09:20:07Z"},
      {"send-id-header-mailbox-full.eml", "2026-01-08T11:02:46Z"},
      {"verp-user-unknown.eml", "2026-01-09T07:45:02Z"},
      {"recipient-only-host-unknown.eml", "2026-01-10T16:00:02Z"},
      {"not-mail.eml.bad", "2026-01-10T16:05:00Z"},
      {"join/forwarded-only-recipient.eml", "2026-01-08T09:21:13Z"},
      {"join/two-recipients-one-send.eml", "2026-01-08T09:20:13Z"}};
  return arrivals;
}

void set_received(const fs::path& file, const std::string& iso_time) {
  const auto time = store::parse_iso_time(iso_time);
  REQUIRE(time);
  const timespec at{static_cast<time_t>(time->time_since_epoch().count()), 0};
  const timespec times[2] = {at, at};
  REQUIRE(utimensat(AT_FDCWD, file.c_str(), times, 0) == 0);
}

void copy_fixtures(const fs::path& dir, const std::vector<std::string>& fixtures) {
  fs::create_directories(dir);
  for (const auto& name : fixtures) {
    const fs::path target = dir / fs::path(name).filename();
    fs::copy_file(kStoreFixtures / name, target, fs::copy_options::overwrite_existing);
    const auto arrival = fixture_arrivals().find(name);
    REQUIRE(arrival != fixture_arrivals().end());
    set_received(target, arrival->second);
  }
}

fs::path staged_store_fixtures(const fs::path& dir) {
  copy_fixtures(dir,
                {"message-id-user-unknown.eml", "send-id-header-mailbox-full.eml",
                 "verp-user-unknown.eml", "recipient-only-host-unknown.eml", "not-mail.eml.bad"});
  return dir;
}

void make_maildir(const fs::path& dir, const std::vector<std::string>& fixtures) {
  for (const char* sub : {"cur", "new", "tmp"}) fs::create_directories(dir / sub);
  copy_fixtures(dir / "new", fixtures);
}

}  // namespace bounced::test
