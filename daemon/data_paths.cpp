#include "data_paths.hpp"

#include <cstdlib>
#include <filesystem>

namespace bounced::daemon {

DataPaths default_data_paths() {
  namespace fs = std::filesystem;
  std::string base;
  if (const char* env = std::getenv("BOUNCED_DATA_DIR"); env != nullptr && *env != '\0') {
    base = env;
  } else {
    std::error_code error;
    const fs::path exe = fs::read_symlink("/proc/self/exe", error);
    const std::string build_dir = BOUNCED_BUILD_DIR;
    const bool in_build_tree = !error && exe.string().starts_with(build_dir);
    base = in_build_tree || !fs::exists(BOUNCED_INSTALLED_DATA_DIR "/rules/default")
               ? std::string(BOUNCED_SOURCE_DIR)
               : std::string(BOUNCED_INSTALLED_DATA_DIR);
  }
  return DataPaths{base + "/rules/default", base + "/rules/formats"};
}

}  // namespace bounced::daemon
