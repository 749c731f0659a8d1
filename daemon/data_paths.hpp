// Where the shipped rule pack and format catalog live: the source tree for a binary run from its
// build directory, the installed share directory otherwise. Both can be overridden.
#pragma once

#include <string>

namespace bounced::daemon {

struct DataPaths {
  std::string rules_dir;    // the shipped default pack (rules/default)
  std::string formats_dir;  // non-DSN format catalog (rules/formats)
};

// BOUNCED_DATA_DIR (a directory holding rules/default and rules/formats) wins when set.
DataPaths default_data_paths();

}  // namespace bounced::daemon
