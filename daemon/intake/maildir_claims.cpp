#include "intake/maildir_claims.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>

#include "process.hpp"

namespace bounced::daemon::intake {

namespace fs = std::filesystem;

namespace {

constexpr const char* kClaimsDirectory = "bounced-claims";

std::string host_name() {
  char buffer[HOST_NAME_MAX + 1] = {};
  if (::gethostname(buffer, sizeof buffer - 1) != 0) return "localhost";
  std::string host = buffer;
  // The id is a file name: no slash in it.
  for (char& c : host) {
    if (c == '/') c = '_';
  }
  return host;
}

struct OwnerParts {
  std::string host;
  long pid = 0;
  std::string start;
};

// "<host>.<pid>.<start>"; the host may itself contain dots, so split from the right.
bool split_owner(const std::string& id, OwnerParts& parts) {
  const size_t last = id.rfind('.');
  if (last == std::string::npos || last == 0) return false;
  const size_t middle = id.rfind('.', last - 1);
  if (middle == std::string::npos) return false;
  parts.host = id.substr(0, middle);
  parts.start = id.substr(last + 1);
  try {
    parts.pid = std::stol(id.substr(middle + 1, last - middle - 1));
  } catch (const std::exception&) {
    return false;
  }
  return true;
}

}  // namespace

std::string claim_owner_id() {
  const long pid = static_cast<long>(::getpid());
  return host_name() + "." + std::to_string(pid) + "." + store::process_start_time(pid);
}

bool claim_owner_alive(const std::string& owner_id, fs::file_time_type heartbeat,
                       std::chrono::seconds stale_after) {
  OwnerParts parts;
  if (split_owner(owner_id, parts) && parts.host == host_name()) {
    return !parts.start.empty() && store::process_start_time(parts.pid) == parts.start;
  }
  return fs::file_time_type::clock::now() - heartbeat < stale_after;
}

MaildirClaims::MaildirClaims(fs::path maildir, std::string owner_id)
    : maildir_(std::move(maildir)),
      root_(maildir_ / kClaimsDirectory),
      dir_(root_ / owner_id),
      owner_id_(std::move(owner_id)) {}

MaildirClaims::~MaildirClaims() {
  ::rmdir(dir_.c_str());  // fails, as it should, while claims are left
}

std::string MaildirClaims::open() {
  std::error_code error;
  fs::create_directories(dir_, error);
  if (error) return dir_.string() + ": " + error.message();
  return "";
}

MaildirClaims::Claimed MaildirClaims::claim(const std::string& name, std::string& error) const {
  const fs::path from = maildir_ / "new" / name;
  const fs::path to = dir_ / name;
  if (::rename(from.c_str(), to.c_str()) == 0) return Claimed::taken;
  if (errno == ENOENT) return Claimed::gone;
  error = from.string() + ": cannot claim: " + std::strerror(errno);
  return Claimed::failed;
}

bool MaildirClaims::release(const std::string& name, std::string& error) const {
  const fs::path from = dir_ / name;
  const fs::path to = maildir_ / "new" / name;
  if (::rename(from.c_str(), to.c_str()) == 0) return true;
  error = from.string() + ": cannot give back to new/: " + std::strerror(errno);
  return false;
}

void MaildirClaims::heartbeat() const {
  ::utimensat(AT_FDCWD, dir_.c_str(), nullptr, 0);
}

void MaildirClaims::recover_stale(
    std::chrono::seconds stale_after,
    const std::function<void(const std::string&, size_t)>& recovered) const {
  std::error_code error;
  for (const auto& owner : fs::directory_iterator(root_, error)) {
    const std::string id = owner.path().filename().string();
    if (id == owner_id_ || !owner.is_directory(error)) continue;
    const auto heartbeat = fs::last_write_time(owner.path(), error);
    if (error || claim_owner_alive(id, heartbeat, stale_after)) continue;
    size_t count = 0;
    for (const auto& file : fs::directory_iterator(owner.path(), error)) {
      const fs::path back = maildir_ / "new" / file.path().filename();
      // Another process may be recovering the same owner: whoever renames first wins.
      if (::rename(file.path().c_str(), back.c_str()) == 0) ++count;
    }
    ::rmdir(owner.path().c_str());
    if (count > 0) recovered(id, count);
  }
}

}  // namespace bounced::daemon::intake
