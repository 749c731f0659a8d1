// Running the PostgreSQL server programs (initdb, pg_ctl) without a shell: arguments are passed
// as given, output goes to a log file, and the exit status comes back as a value.
#pragma once

#include <string>
#include <vector>

namespace bounced::store {

struct ProcessResult {
  int exit_status = -1;  // -1: could not start or killed by a signal
  std::string output;    // stdout and stderr, combined
};

// Runs argv[0] with argv; when run_as is not empty (we are root), runs it through
// `runuser -u run_as --` because initdb and postgres refuse to run as root.
ProcessResult run_process(const std::vector<std::string>& argv, const std::string& run_as = "");

// When process `pid` started, in clock ticks since boot (field 22 of /proc/<pid>/stat); "" when
// there is no such process. A pid is reused; a pid and its start time name one process.
std::string process_start_time(long pid);

}  // namespace bounced::store
