// Enumerates the messages named on a command line: a message file, a directory of message files,
// a Maildir (cur/ and new/), an mbox file, or "-" for standard input. Reading is streaming: one
// message's bytes are in memory at a time.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace bounced::daemon {

struct SourceMessage {
  std::string name;  // file path, or "path#N" for the N-th message of an mbox, or "-"
  std::string bytes;
};

struct SourceError {
  std::string name;
  std::string reason;
};

// Calls visit for every message in order; unreadable paths are reported through on_error and
// skipped. Directory entries are visited in name order so runs are reproducible.
void for_each_message(const std::vector<std::string>& paths,
                      const std::function<void(SourceMessage&&)>& visit,
                      const std::function<void(const SourceError&)>& on_error);

// True when the file starts like an mbox ("From " separator line).
bool looks_like_mbox(const std::string& path);

}  // namespace bounced::daemon
