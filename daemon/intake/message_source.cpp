#include "message_source.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "message_limits.hpp"

namespace bounced::daemon {

namespace fs = std::filesystem;
using classifiers::over_size_reason;

namespace {

std::string error_text(int code) {
  return std::strerror(code);
}

// Reads a whole regular file with one sized read (messages are read whole anyway, and stream
// buffering costs a copy). The size is taken first: a file over the limit is not read at all.
// The type too, from the same descriptor: a directory entry is opened without a stat first
// (O_NONBLOCK, so that a FIFO does not wait for a writer) and skipped if it is no regular file.
enum class ReadResult { read, failed, too_large, not_a_file };
ReadResult read_file(const char* path, size_t limit, std::string& out, std::string& error) {
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) {
    error = error_text(errno);
    return ReadResult::failed;
  }
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    error = error_text(errno);
    ::close(fd);
    return ReadResult::failed;
  }
  if (!S_ISREG(info.st_mode)) {
    ::close(fd);
    return ReadResult::not_a_file;
  }
  const auto size = static_cast<size_t>(info.st_size);
  if (size > limit) {
    ::close(fd);
    error = over_size_reason(size, limit);
    return ReadResult::too_large;
  }
  out.resize(size);
  size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::read(fd, out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      error = error_text(errno);
      ::close(fd);
      return ReadResult::failed;
    }
    if (n == 0) break;  // the file shrank while we read it
    done += static_cast<size_t>(n);
  }
  out.resize(done);
  ::close(fd);
  return ReadResult::read;
}

// One message read from a stream whose length is not known first (an mbox entry, standard
// input): kept in memory up to the limit; past it, what was read and the rest go to a temporary
// file, so that the message can still be quarantined whole. The file is removed once the message
// has been handed on.
class StreamedMessage {
 public:
  explicit StreamedMessage(size_t limit) : limit_(limit) {}
  StreamedMessage(const StreamedMessage&) = delete;
  StreamedMessage& operator=(const StreamedMessage&) = delete;
  ~StreamedMessage() { remove_spool(); }

  void append(std::string_view bytes) {
    size_ += bytes.size();
    if (fd_ < 0 && error_.empty()) {
      if (size_ <= limit_) {
        memory_.append(bytes);
        return;
      }
      start_spool();
    }
    if (fd_ >= 0) write_spool(bytes);
  }

  // Hands the message to visit, or over the limit to on_error with the spool; then starts afresh.
  void finish(std::string name, const std::function<void(SourceMessage&&)>& visit,
              const std::function<void(const SourceError&)>& on_error) {
    if (size_ <= limit_) {
      visit(SourceMessage{std::move(name), std::move(memory_)});
    } else {
      std::string reason = over_size_reason(size_, limit_);
      if (fd_ >= 0 && ::fsync(fd_) != 0 && error_.empty()) error_ = error_text(errno);
      if (!error_.empty()) reason += " (and it could not be kept: spool: " + error_ + ")";
      on_error({std::move(name), std::move(reason), error_.empty() ? spool_path_ : ""});
    }
    remove_spool();
    memory_ = std::string();
    size_ = 0;
    error_.clear();
  }

 private:
  void start_spool() {
    const char* tmp = std::getenv("TMPDIR");
    std::string path = std::string(tmp != nullptr && *tmp ? tmp : "/tmp") + "/bounced-spool-XXXXXX";
    fd_ = ::mkstemp(path.data());
    if (fd_ < 0) {
      error_ = error_text(errno);
    } else {
      spool_path_ = std::move(path);
      write_spool(memory_);
    }
    memory_ = std::string();
  }
  void write_spool(std::string_view bytes) {
    while (!bytes.empty() && fd_ >= 0) {
      const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        error_ = error_text(errno);
        remove_spool();
        return;
      }
      bytes.remove_prefix(static_cast<size_t>(n));
    }
  }
  void remove_spool() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    if (!spool_path_.empty()) ::unlink(spool_path_.c_str());
    spool_path_.clear();
  }

  size_t limit_;
  std::string memory_;
  size_t size_ = 0;
  int fd_ = -1;
  std::string spool_path_;
  std::string error_;  // why spooling failed
};

// mboxrd/mboxo: messages start at a "From " line; ">From " quoting inside bodies is undone. Read
// in blocks rather than lines, so that a line of any length costs no more memory than a block.
class MboxSplitter {
 public:
  MboxSplitter(std::string name, size_t limit, const std::function<void(SourceMessage&&)>& visit,
               const std::function<void(const SourceError&)>& on_error)
      : name_(std::move(name)), current_(limit), visit_(visit), on_error_(on_error) {}

  // already_read: bytes of the stream taken before it was known to be an mbox.
  void read(std::istream& in, std::string_view already_read = {}) {
    feed(already_read);
    std::string block(64 * 1024, '\0');
    while (in) {
      in.read(block.data(), static_cast<std::streamsize>(block.size()));
      const auto n = static_cast<size_t>(in.gcount());
      if (n == 0) break;
      feed(std::string_view(block.data(), n));
    }
    if (!head_.empty()) decide_line();
    flush();
  }

 private:
  // How far into a line its start is looked at: enough for any ">>>From " quoting in practice.
  static constexpr size_t kHead = 4096;

  void feed(std::string_view bytes) {
    while (!bytes.empty()) {
      const size_t newline = bytes.find('\n');
      const size_t take = newline == std::string_view::npos ? bytes.size() : newline + 1;
      std::string_view piece = bytes.substr(0, take);
      bytes.remove_prefix(take);
      if (!decided_) {
        const size_t room = kHead - head_.size();
        head_.append(piece.substr(0, room));
        piece.remove_prefix(std::min(room, piece.size()));
        if (head_.back() == '\n' || head_.size() >= kHead) decide_line();
      }
      if (decided_ && !piece.empty() && keep_line_) current_.append(piece);
      if (newline != std::string_view::npos) decided_ = false;
    }
  }

  // The start of a line is known: a separator, a line of the current message (unquoted), or
  // text before the first separator.
  void decide_line() {
    decided_ = true;
    std::string_view line = head_;
    if (line.starts_with("From ")) {
      flush();
      in_message_ = true;
      keep_line_ = false;
    } else {
      keep_line_ = in_message_;
      if (keep_line_) {
        size_t quotes = 0;
        while (quotes < line.size() && line[quotes] == '>') ++quotes;
        if (quotes > 0 && line.substr(quotes).starts_with("From ")) line.remove_prefix(1);
        current_.append(line);
      }
    }
    head_.clear();
    if (!line.empty() && line.back() == '\n') decided_ = false;
  }

  void flush() {
    if (in_message_) current_.finish(name_ + "#" + std::to_string(++index_), visit_, on_error_);
  }

  std::string name_;
  StreamedMessage current_;
  const std::function<void(SourceMessage&&)>& visit_;
  const std::function<void(const SourceError&)>& on_error_;
  std::string head_;        // the start of the current line, until decided
  bool decided_ = false;    // the current line's start has been looked at
  bool keep_line_ = false;  // the current line belongs to a message
  bool in_message_ = false;
  size_t index_ = 0;
};

// Dovecot and Maildir bookkeeping files are not messages.
bool is_message_name(std::string_view name) {
  return !name.starts_with(".") && !name.starts_with("dovecot") && name != "maildirfolder" &&
         name != "subscriptions";
}

// The entries of a directory that may be messages, by the type readdir gives, so that listing
// costs no stat per entry: regular files, and symlinks and entries of unknown type, which
// read_file opens and skips if they are no regular file.
void list_message_files(const fs::path& root, std::vector<fs::path>& files,
                        const std::function<void(const SourceError&)>& on_error) {
  DIR* dir = ::opendir(root.c_str());
  if (dir == nullptr) {
    on_error({root.string(), error_text(errno)});
    return;
  }
  for (;;) {
    errno = 0;
    const dirent* entry = ::readdir(dir);
    if (entry == nullptr) break;
    if ((entry->d_type == DT_REG || entry->d_type == DT_LNK || entry->d_type == DT_UNKNOWN) &&
        is_message_name(entry->d_name)) {
      files.push_back(root / entry->d_name);
    }
  }
  if (errno != 0) on_error({root.string(), error_text(errno)});
  ::closedir(dir);
}

// A message file, read now or handed on unread.
void message_file(const fs::path& file, size_t limit,
                  const std::function<void(SourceMessage&&)>& visit,
                  const std::function<void(const SourceError&)>& on_error, bool read_files) {
  if (read_files) {
    read_message_file(file.string(), limit, visit, on_error);
  } else {
    visit(SourceMessage{file.string(), std::string(), true});
  }
}

void visit_directory(const fs::path& dir, size_t limit,
                     const std::function<void(SourceMessage&&)>& visit,
                     const std::function<void(const SourceError&)>& on_error, bool read_files) {
  std::vector<fs::path> files;
  const bool maildir = fs::is_directory(dir / "cur") || fs::is_directory(dir / "new");
  std::vector<fs::path> roots;
  if (maildir) {
    for (const char* sub : {"cur", "new"}) {
      if (fs::is_directory(dir / sub)) roots.push_back(dir / sub);
    }
  } else {
    roots.push_back(dir);
  }
  for (const auto& root : roots) list_message_files(root, files, on_error);
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    // A directory of samples carries its documentation and expectations beside the mail
    // (expectation .json files, README.md, LICENSE): those are skipped when a directory is read.
    // Named on the command line, any file is read and reported if it is no mail.
    const auto ext = file.extension();
    const std::string stem = file.stem().string();
    if (ext == ".json" || ext == ".jsonl" || ext == ".md" || ext == ".txt" || ext == ".yaml" ||
        stem == "LICENSE" || stem == "COPYING" || stem == "NOTICE" || stem == "AUTHORS") {
      continue;
    }
    message_file(file, limit, visit, on_error, read_files);
  }
}

}  // namespace

namespace {

// One message from a stream, or an mbox when it starts with a "From " line.
void read_stream(const std::string& name, std::istream& in, size_t limit,
                 const std::function<void(SourceMessage&&)>& visit,
                 const std::function<void(const SourceError&)>& on_error) {
  char head[5] = {};
  in.read(head, sizeof head);
  const auto got = static_cast<size_t>(in.gcount());
  const std::string_view start(head, got);
  if (start == "From ") {
    MboxSplitter(name, limit, visit, on_error).read(in, start);
    return;
  }
  StreamedMessage message(limit);
  message.append(start);
  std::string block(64 * 1024, '\0');
  while (in) {
    in.read(block.data(), static_cast<std::streamsize>(block.size()));
    const auto n = static_cast<size_t>(in.gcount());
    if (n == 0) break;
    message.append(std::string_view(block.data(), n));
  }
  message.finish(name, visit, on_error);
}

void read_standard_input(size_t limit, const std::function<void(SourceMessage&&)>& visit,
                         const std::function<void(const SourceError&)>& on_error) {
  read_stream("-", std::cin, limit, visit, on_error);
}

}  // namespace

void read_message_file(const std::string& path, size_t max_message_size,
                       const std::function<void(SourceMessage&&)>& visit,
                       const std::function<void(const SourceError&)>& on_error) {
  std::string bytes, error;
  switch (read_file(path.c_str(), max_message_size, bytes, error)) {
    case ReadResult::read:
      visit(SourceMessage{path, std::move(bytes)});
      break;
    case ReadResult::too_large:
      on_error({path, error, path});
      break;
    case ReadResult::failed:
      on_error({path, error});
      break;
    case ReadResult::not_a_file:
      break;
  }
}

bool looks_like_mbox(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char head[5] = {};
  in.read(head, 5);
  return in.gcount() == 5 && std::memcmp(head, "From ", 5) == 0;
}

void for_each_message(const std::vector<std::string>& paths, size_t max_message_size,
                      const std::function<void(SourceMessage&&)>& visit,
                      const std::function<void(const SourceError&)>& on_error, bool read_files) {
  for (const auto& path : paths) {
    if (path == "-") {
      read_standard_input(max_message_size, visit, on_error);
      continue;
    }
    std::error_code error;
    const auto status = fs::status(path, error);
    if (error) {
      on_error({path, error.message()});
    } else if (fs::is_directory(status)) {
      visit_directory(path, max_message_size, visit, on_error, read_files);
    } else if (looks_like_mbox(path)) {
      std::ifstream in(path, std::ios::binary);
      MboxSplitter(path, max_message_size, visit, on_error).read(in);
    } else if (fs::is_regular_file(status)) {
      message_file(path, max_message_size, visit, on_error, read_files);
    } else {
      // A pipe or a device: no size to take first, so read as a stream.
      std::ifstream in(path, std::ios::binary);
      read_stream(path, in, max_message_size, visit, on_error);
    }
  }
}

}  // namespace bounced::daemon
