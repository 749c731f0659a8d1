#include "message_source.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

namespace bounced::daemon {

namespace fs = std::filesystem;

namespace {

bool read_file(const fs::path& path, std::string& out, std::string& error) {
  // One sized read: messages are read whole anyway, and stream buffering costs a copy.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = std::strerror(errno);
    return false;
  }
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    error = std::strerror(errno);
    ::close(fd);
    return false;
  }
  out.resize(static_cast<size_t>(info.st_size));
  size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::read(fd, out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      error = std::strerror(errno);
      ::close(fd);
      return false;
    }
    if (n == 0) break;  // the file shrank while we read it
    done += static_cast<size_t>(n);
  }
  out.resize(done);
  ::close(fd);
  return true;
}

// mboxrd/mboxo: messages start at a "From " line; ">From " quoting inside bodies is undone.
void split_mbox(const std::string& name, std::istream& in,
                const std::function<void(SourceMessage&&)>& visit) {
  std::string line;
  std::string current;
  size_t index = 0;
  bool in_message = false;
  auto flush = [&] {
    if (in_message) visit(SourceMessage{name + "#" + std::to_string(++index), std::move(current)});
    current.clear();
  };
  while (std::getline(in, line)) {
    if (line.starts_with("From ")) {
      flush();
      in_message = true;
      continue;
    }
    if (!in_message) continue;
    size_t quotes = 0;
    while (quotes < line.size() && line[quotes] == '>') ++quotes;
    if (quotes > 0 && line.compare(quotes, 5, "From ") == 0) line.erase(0, 1);
    current.append(line);
    current.push_back('\n');
  }
  flush();
}

bool is_message_file(const fs::directory_entry& entry) {
  if (!entry.is_regular_file()) return false;
  const std::string name = entry.path().filename().string();
  // Dovecot and Maildir bookkeeping files are not messages.
  return !name.starts_with(".") && !name.starts_with("dovecot") && name != "maildirfolder" &&
         name != "subscriptions";
}

void visit_directory(const fs::path& dir, const std::function<void(SourceMessage&&)>& visit,
                     const std::function<void(const SourceError&)>& on_error) {
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
  for (const auto& root : roots) {
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(root, error)) {
      if (is_message_file(entry)) files.push_back(entry.path());
    }
    if (error) on_error({root.string(), error.message()});
  }
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
    std::string bytes, error;
    if (!read_file(file, bytes, error)) {
      on_error({file.string(), error});
      continue;
    }
    visit(SourceMessage{file.string(), std::move(bytes)});
  }
}

}  // namespace

bool looks_like_mbox(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char head[5] = {};
  in.read(head, 5);
  return in.gcount() == 5 && std::memcmp(head, "From ", 5) == 0;
}

void for_each_message(const std::vector<std::string>& paths,
                      const std::function<void(SourceMessage&&)>& visit,
                      const std::function<void(const SourceError&)>& on_error) {
  for (const auto& path : paths) {
    if (path == "-") {
      std::string bytes((std::istreambuf_iterator<char>(std::cin)),
                        std::istreambuf_iterator<char>());
      if (bytes.starts_with("From ")) {
        std::istringstream in(bytes);
        split_mbox("-", in, visit);
      } else {
        visit(SourceMessage{"-", std::move(bytes)});
      }
      continue;
    }
    std::error_code error;
    const auto status = fs::status(path, error);
    if (error) {
      on_error({path, error.message()});
    } else if (fs::is_directory(status)) {
      visit_directory(path, visit, on_error);
    } else if (looks_like_mbox(path)) {
      std::ifstream in(path, std::ios::binary);
      split_mbox(path, in, visit);
    } else {
      std::string bytes, reason;
      if (read_file(path, bytes, reason)) {
        visit(SourceMessage{path, std::move(bytes)});
      } else {
        on_error({path, reason});
      }
    }
  }
}

}  // namespace bounced::daemon
