// Where mail that cannot be read goes, so that nothing is lost when it leaves its source: a copy
// named by the SHA-256 of its bytes (<hash>.eml, so the same mail quarantined twice is kept
// once) and a <hash>.eml.reason file naming its source and what was wrong. Both files and the
// directory are fsync'ed before keep() returns: only then may the caller remove the original.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace bounced::daemon::intake {

class Quarantine {
 public:
  explicit Quarantine(std::string dir) : dir_(std::move(dir)) {}

  const std::string& dir() const { return dir_; }

  // The copy's path, or nullopt with `error` set (the caller then keeps the original).
  std::optional<std::string> keep(std::string_view bytes, std::string_view source,
                                  std::string_view name, std::string_view reason,
                                  std::string& error) const;

  // The same for a file too large to read into memory: copied in chunks, named by the hash of
  // its source and name (a Maildir file name is unique).
  std::optional<std::string> keep_file(const std::string& path, std::string_view source,
                                       std::string_view name, std::string_view reason,
                                       std::string& error) const;

 private:
  std::string dir_;
};

}  // namespace bounced::daemon::intake
