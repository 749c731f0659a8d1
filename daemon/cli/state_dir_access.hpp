// Run as root, bounced starts its embedded PostgreSQL as the `postgres` user, which must be able
// to enter every directory on the way to the state directory. initdb only says "Permission
// denied"; this says which directory, why, and how to fix it - before anything is started.
#pragma once

#include <optional>
#include <string>

namespace bounced::daemon::cli {

// A message naming the first directory on the way to `state_dir` that `run_as` cannot enter,
// or nullopt when it can (or we are not root, or there is no such user: the cluster says so).
std::optional<std::string> unreachable_state_dir(const std::string& state_dir,
                                                 const std::string& run_as = "postgres");

}  // namespace bounced::daemon::cli
