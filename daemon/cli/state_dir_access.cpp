#include "state_dir_access.hpp"

#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <vector>

namespace bounced::daemon::cli {

namespace fs = std::filesystem;

namespace {

bool in_group(const std::vector<gid_t>& groups, gid_t gid) {
  return std::find(groups.begin(), groups.end(), gid) != groups.end();
}

}  // namespace

std::optional<std::string> unreachable_state_dir(const std::string& state_dir,
                                                 const std::string& run_as) {
  if (geteuid() != 0) return std::nullopt;
  const passwd* user = getpwnam(run_as.c_str());
  if (!user) return std::nullopt;
  const uid_t uid = user->pw_uid;
  const gid_t gid = user->pw_gid;
  int count = 64;
  std::vector<gid_t> groups(static_cast<size_t>(count));
  if (getgrouplist(run_as.c_str(), gid, groups.data(), &count) < 0) {
    groups.resize(static_cast<size_t>(count));
    getgrouplist(run_as.c_str(), gid, groups.data(), &count);
  }
  groups.resize(static_cast<size_t>(std::max(count, 0)));

  std::error_code error;
  const fs::path target = fs::absolute(state_dir, error).lexically_normal();
  fs::path walked;
  for (const auto& part : target) {
    walked /= part;
    struct stat info {};
    if (stat(walked.c_str(), &info) != 0) break;  // created later, by us, enterable
    if (!S_ISDIR(info.st_mode)) break;
    const mode_t bit = info.st_uid == uid              ? S_IXUSR
                       : in_group(groups, info.st_gid) ? S_IXGRP
                                                       : S_IXOTH;
    if (info.st_mode & bit) continue;
    const passwd* owner = getpwuid(info.st_uid);
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(info.st_mode & 07777));
    return walked.string() + ": the " + run_as + " user cannot enter this directory (owner " +
           (owner ? std::string(owner->pw_name) : std::to_string(info.st_uid)) + ", mode " + mode +
           "), and run as root bounced starts its embedded PostgreSQL as " + run_as + " under " +
           target.string() + ".\nFix: chmod o+x " + walked.string() + " (or give it to a group " +
           run_as + " is in), or set state_dir (--state-dir) to a directory " + run_as +
           " can reach, such as /var/lib/bounced.";
  }
  return std::nullopt;
}

}  // namespace bounced::daemon::cli
