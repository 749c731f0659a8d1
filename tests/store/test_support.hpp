// Shared helpers for the store tests: a pipeline that classifies by RFC 3463/5321 semantics
// only (an empty rule directory, so these tests do not move with the shipped rule pack), a
// scratch Maildir, and the fixture paths.
//
// bounced dates a bounce by when it received it - a Maildir file's mtime - not by its Date
// header, so the helpers that copy fixtures give each copy the time it "arrived".
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "pipeline.hpp"

namespace bounced::test {

namespace fs = std::filesystem;

inline const fs::path kStoreFixtures = fs::path(BOUNCED_FIXTURES_DIR) / "store";

// A fresh directory under /tmp, removed when the object goes.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

daemon::Pipeline semantics_pipeline();
std::shared_ptr<const rules::Classifier> semantics_classifier();

// When each store fixture arrived (a few minutes after the time its report was written).
const std::map<std::string, std::string>& fixture_arrivals();

// Sets a file's mtime: when bounced takes it to have been received.
void set_received(const fs::path& file, const std::string& iso_time);

// Copies fixtures (names relative to tests/fixtures/store) into dir with their arrival times.
void copy_fixtures(const fs::path& dir, const std::vector<std::string>& fixtures);

// The four store bounces (and the unreadable one), as arrived: a directory to ingest.
fs::path staged_store_fixtures(const fs::path& dir);

// Creates dir/{cur,new,tmp} and copies the named fixtures into new/ with their arrival times.
void make_maildir(const fs::path& dir, const std::vector<std::string>& fixtures);

}  // namespace bounced::test
