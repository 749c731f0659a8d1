// Enumerates the messages named on a command line: a message file, a directory of message files,
// a Maildir (cur/ and new/), an mbox file, or "-" for standard input. Reading is streaming: one
// message's bytes are in memory at a time, and never more than the size limit of them.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace bounced::daemon {

struct SourceMessage {
  std::string name;  // file path, or "path#N" for the N-th message of an mbox, or "-"
  std::string bytes;
  // A message file that for_each_message(..., read_files = false) left unread: bytes is empty,
  // and read_message_file(name, ...) reads it - in a worker process, say.
  bool unread = false;
};

struct SourceError {
  std::string name;
  std::string reason;
  // A message over the size limit is reported here, unread: file is where it is whole (its own
  // file, or a temporary spool of an mbox entry or of standard input that exists only while
  // on_error runs), so that it can be quarantined without being held in memory. "" otherwise.
  std::string file = {};
};

// Calls visit for every message in order; unreadable paths are reported through on_error and
// skipped. Directory entries are visited in name order so runs are reproducible. A message larger
// than max_message_size bytes goes to on_error instead of visit: a file's size is taken before
// it is read, a stream (mbox entry, standard input) is spooled to disk past the limit, so memory
// never holds more than max_message_size bytes of one message. With read_files false, a message
// file (not an mbox) is handed to visit unread, in its place, for read_message_file.
void for_each_message(const std::vector<std::string>& paths, size_t max_message_size,
                      const std::function<void(SourceMessage&&)>& visit,
                      const std::function<void(const SourceError&)>& on_error,
                      bool read_files = true);

// Reads one message file as for_each_message does (one open, fstat and read): to visit, or to
// on_error when it is over the limit or unreadable. Anything but a regular file (a directory
// entry that is a symlink to a directory, say) is skipped, neither visited nor an error.
void read_message_file(const std::string& path, size_t max_message_size,
                       const std::function<void(SourceMessage&&)>& visit,
                       const std::function<void(const SourceError&)>& on_error);

// True when the file starts like an mbox ("From " separator line).
bool looks_like_mbox(const std::string& path);

}  // namespace bounced::daemon
