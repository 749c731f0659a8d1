#include "intake/maildir_source.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>

#include "intake/file_descriptor.hpp"

namespace bounced::daemon::intake {

namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

// Claims of other machines are judged by the mtime of their directory: touch ours well within
// the shortest allowed stale_claim_after (10 s). Dead owners are looked for as often.
constexpr std::chrono::seconds kHeartbeat{3};

std::string errno_text(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

// Maildir++: a folder is <maildir>/.Name with its own cur/ new/ tmp/ and a maildirfolder file.
std::string make_folder(const fs::path& maildir, const std::string& folder) {
  if (folder.empty()) return "";
  const fs::path root = maildir / folder;
  std::error_code error;
  for (const char* sub : {"cur", "new", "tmp"}) {
    fs::create_directories(root / sub, error);
    if (error) return (root / sub).string() + ": " + error.message();
  }
  const fs::path marker = root / "maildirfolder";
  if (!fs::exists(marker, error)) {
    const int fd = ::open(marker.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd >= 0) ::close(fd);
  }
  return "";
}

// Reads a whole claimed file (its size known from fstat).
bool read_whole(int fd, size_t size, std::string& out, std::string& error) {
  out.resize(size);
  size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::read(fd, out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      error = std::strerror(errno);
      return false;
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  out.resize(done);
  return true;
}

// Waits up to `timeout` for the stop event; true when stopping.
bool wait_for_stop(int stop_fd, std::chrono::milliseconds timeout) {
  pollfd fd{stop_fd, POLLIN, 0};
  return ::poll(&fd, 1, static_cast<int>(timeout.count())) > 0;
}

}  // namespace

MaildirSource::MaildirSource(MaildirSourceOptions options, const Quarantine& quarantine,
                             log::EventLog& log)
    : options_(std::move(options)),
      quarantine_(quarantine),
      log_(log),
      claims_(options_.maildir, claim_owner_id()) {}

void MaildirSource::run(MessageSink& sink, std::stop_token stop) {
  // The stop request reaches poll() through an eventfd.
  FileDescriptor stop_fd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  std::stop_callback wake(stop, [&] {
    const uint64_t one = 1;
    (void)!::write(stop_fd.get(), &one, sizeof one);
  });
  const fs::path new_dir = options_.maildir / "new";
  std::chrono::milliseconds retry{1000};
  std::string last_error;

  while (!stop.stop_requested()) {
    // Set up (again): the Maildir may be missing at start or removed while running.
    std::string error;
    FileDescriptor inotify(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
    if (!fs::is_directory(new_dir)) {
      error = new_dir.string() + ": no such directory (not a Maildir?)";
    } else if (!inotify.ok()) {
      error = errno_text("inotify_init1");
    } else if (::inotify_add_watch(
                   inotify.get(), new_dir.c_str(),
                   IN_MOVED_TO | IN_CREATE | IN_ONLYDIR | IN_DELETE_SELF | IN_MOVE_SELF) < 0) {
      error = errno_text("inotify_add_watch " + new_dir.string());
    } else {
      error = claims_.open();
      if (error.empty()) error = make_folder(options_.maildir, options_.processed_folder);
      if (error.empty()) error = make_folder(options_.maildir, options_.not_bounce_folder);
    }
    if (!error.empty()) {
      if (error != last_error) {
        log_.error("source_unavailable", {{"source", options_.name}, {"error", error}});
      }
      last_error = error;
      if (wait_for_stop(stop_fd.get(), retry)) return;
      retry = std::min(retry * 2, std::chrono::milliseconds(60000));
      continue;
    }
    if (!last_error.empty()) log_.info("source_available", {{"source", options_.name}});
    last_error.clear();
    retry = std::chrono::milliseconds(1000);
    log_.info("source_watching", {{"source", options_.name},
                                  {"maildir", options_.maildir.string()},
                                  {"claims", claims_.dir().string()}});

    // Processes on other machines judge our claims by this heartbeat; it must go on while
    // run() waits in push() (a database outage can last longer than stale_claim_after).
    std::jthread heartbeat([this](std::stop_token done) {
      std::mutex mutex;
      std::condition_variable_any tick;
      std::unique_lock lock(mutex);
      while (!done.stop_requested()) {
        tick.wait_for(lock, done, kHeartbeat, [] { return false; });
        claims_.heartbeat();
      }
    });
    // What dead processes held, then what arrived while nobody watched.
    housekeeping();
    bool rescan = true;
    alignas(inotify_event) char buffer[64 * 1024];
    bool watching = true;
    while (watching && !stop.stop_requested()) {
      if (rescan) {
        rescan = false;
        if (!scan(sink, stop)) return;
      }
      pollfd fds[2] = {{inotify.get(), POLLIN, 0}, {stop_fd.get(), POLLIN, 0}};
      const auto wait =
          std::chrono::duration_cast<std::chrono::milliseconds>(next_housekeeping_ - Clock::now());
      const int ready = ::poll(fds, 2, static_cast<int>(std::max<long>(0, wait.count()) + 1));
      if (fds[1].revents) return;
      if (Clock::now() >= next_housekeeping_) housekeeping();
      if (ready <= 0 || !(fds[0].revents & POLLIN)) continue;
      for (;;) {
        const ssize_t length = ::read(inotify.get(), buffer, sizeof buffer);
        if (length <= 0) break;
        for (ssize_t at = 0; at < length;) {
          const auto* event = reinterpret_cast<const inotify_event*>(buffer + at);
          at += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
          if (event->mask & IN_Q_OVERFLOW) {
            // The kernel dropped events: only a scan knows what is there now.
            log_.warning("inotify_overflow", {{"source", options_.name}});
            rescan = true;
          } else if (event->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)) {
            watching = false;
          } else if (event->len > 0 && !(event->mask & IN_ISDIR)) {
            if (!take(event->name, sink)) return;
          }
        }
      }
    }
  }
}

bool MaildirSource::scan(MessageSink& sink, const std::stop_token& stop) {
  const fs::path new_dir = options_.maildir / "new";
  DIR* dir = ::opendir(new_dir.c_str());
  if (!dir) {
    log_.error("scan_failed", {{"source", options_.name}, {"error", errno_text(new_dir)}});
    return true;
  }
  // Streamed, not collected: a backlog of a million files costs no memory here. Files renamed
  // in or out during the walk may or may not be seen; inotify reports the new ones anyway.
  bool go_on = true;
  while (go_on && !stop.stop_requested()) {
    const dirent* entry = ::readdir(dir);
    if (!entry) break;
    const std::string_view name = entry->d_name;
    if (name == "." || name == ".." || entry->d_type == DT_DIR) continue;
    go_on = take(std::string(name), sink);
  }
  ::closedir(dir);
  return go_on;
}

bool MaildirSource::take(const std::string& name, MessageSink& sink) {
  std::string error;
  switch (claims_.claim(name, error)) {
    case MaildirClaims::Claimed::gone:
      return true;  // another process took it first
    case MaildirClaims::Claimed::failed:
      log_.warning("claim_failed", {{"source", options_.name}, {"name", name}, {"error", error}});
      return true;
    case MaildirClaims::Claimed::taken:
      break;
  }
  const fs::path path = claims_.path_of(name);
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat info {};
  if (!fd.ok() || ::fstat(fd.get(), &info) != 0 || S_ISDIR(info.st_mode)) {
    // Cannot be read (permissions): it stays in the Maildir, out of new/ so it is not retried
    // in a loop, for a person to look at.
    log_.error("unreadable",
               {{"source", options_.name}, {"name", name}, {"error", std::strerror(errno)}});
    file_into(name, "", "", "unreadable");
    return true;
  }
  if (static_cast<size_t>(info.st_size) > options_.max_message_size) {
    const std::string reason = "over the size limit of " +
                               std::to_string(options_.max_message_size) + " bytes (" +
                               std::to_string(info.st_size) + ")";
    if (auto copy = quarantine_.keep_file(path, options_.name, name, reason, error)) {
      ::unlink(path.c_str());
      log_.warning(
          "quarantined",
          {{"source", options_.name}, {"name", name}, {"reason", reason}, {"copy", *copy}});
    } else {
      log_.error("quarantine_failed",
                 {{"source", options_.name}, {"name", name}, {"error", error}});
      file_into(name, "", "", "quarantine_failed");
    }
    return true;
  }
  IncomingMessage message;
  message.source = options_.name;
  message.name = name;
  if (!read_whole(fd.get(), static_cast<size_t>(info.st_size), message.bytes, error)) {
    log_.error("unreadable", {{"source", options_.name}, {"name", name}, {"error", error}});
    file_into(name, "", "", "unreadable");
    return true;
  }
  fd.reset();
  // The mtime is when the MTA wrote the file: the latency of a bounce is counted from there.
  message.received = std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::seconds(info.st_mtim.tv_sec) +
          std::chrono::nanoseconds(info.st_mtim.tv_nsec)));
  log_.debug("claimed", {{"source", options_.name}, {"name", name}});
  if (!sink.push(std::move(message))) {
    // Stopping: the pipeline never saw it.
    if (!claims_.release(name, error)) {
      log_.error("release_failed", {{"source", options_.name}, {"name", name}, {"error", error}});
    }
    return false;
  }
  return true;
}

void MaildirSource::acknowledge(const IncomingMessage& message, Disposition disposition) {
  switch (disposition) {
    case Disposition::stored:
      if (options_.processed_folder.empty()) {
        if (::unlink(claims_.path_of(message.name).c_str()) != 0) {
          log_.warning(
              "acknowledge_failed",
              {{"source", options_.name}, {"name", message.name}, {"error", errno_text("unlink")}});
        }
      } else {
        file_into(message.name, options_.processed_folder, "S", "stored");
      }
      break;
    case Disposition::not_bounce:
      // Never deleted: a person may be waiting for an answer to it.
      file_into(message.name, options_.not_bounce_folder, "", "not_bounce");
      break;
    case Disposition::quarantined:
      // The quarantine copy and its directory are fsync'ed before this is called.
      ::unlink(claims_.path_of(message.name).c_str());
      break;
  }
}

void MaildirSource::release(const IncomingMessage& message) {
  std::string error;
  if (!claims_.release(message.name, error)) {
    log_.error("release_failed",
               {{"source", options_.name}, {"name", message.name}, {"error", error}});
  }
}

void MaildirSource::file_into(const std::string& name, const std::string& folder, const char* flags,
                              std::string_view disposition) {
  const fs::path cur = (folder.empty() ? options_.maildir : options_.maildir / folder) / "cur";
  // Maildir: a message in cur/ carries an info suffix ":2,FLAGS"; one taken from new/ has none.
  std::string target = name;
  if (target.find(":2,") == std::string::npos) target += std::string(":2,") + flags;
  const fs::path from = claims_.path_of(name);
  if (::rename(from.c_str(), (cur / target).c_str()) != 0) {
    // ENOENT: taken back as a stale claim by another process, which will store it again
    // (the fingerprint makes that a no-op) and file it.
    log_.warning("acknowledge_failed", {{"source", options_.name},
                                        {"name", name},
                                        {"disposition", disposition},
                                        {"error", errno_text("rename to " + cur.string())}});
  }
}

void MaildirSource::housekeeping() {
  claims_.recover_stale(options_.stale_claim_after, [&](const std::string& owner, size_t count) {
    log_.warning("claims_recovered",
                 {{"source", options_.name}, {"owner", owner}, {"messages", count}});
  });
  next_housekeeping_ = Clock::now() + kHeartbeat;
}

}  // namespace bounced::daemon::intake
