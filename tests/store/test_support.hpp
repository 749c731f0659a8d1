// Shared helpers for the store tests: a pipeline that classifies by RFC 3463/5321 semantics
// only (an empty rule directory, so these tests do not move with the shipped rule pack), a
// scratch Maildir, and the fixture paths.
#pragma once

#include <filesystem>
#include <string>

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

// Creates dir/{cur,new,tmp} and copies the named fixtures into new/.
void make_maildir(const fs::path& dir, const std::vector<std::string>& fixtures);

}  // namespace bounced::test
