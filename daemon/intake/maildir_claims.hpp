// Claims on the messages of a Maildir shared by several bounced processes.
//
// A process claims a message by renaming it from new/ into its own directory
// <maildir>/bounced-claims/<host>.<pid>.<start time>/. rename(2) is atomic within a file system,
// so of two processes renaming the same file exactly one succeeds; the other gets ENOENT and
// moves on. The message stays in the Maildir the whole time (the Maildir and the database are
// the spool): acknowledged, it moves to the processed folder; released, it moves back to new/.
//
// A process that died holding claims leaves its directory behind. Another process (or its own
// next start) moves those messages back to new/: at once when the owner was on this machine and
// its pid no longer runs with the same start time, else when the owner's heartbeat (the
// directory's mtime, touched every few seconds) is older than stale_after. The directory name is
// not a Maildir++ folder (no leading dot), so IMAP servers reading the same Maildir ignore it.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>

namespace bounced::daemon::intake {

// This process as a claim owner: "<host>.<pid>.<start time in clock ticks since boot>".
std::string claim_owner_id();

// True while the owner named by id still holds its claims (see above).
bool claim_owner_alive(const std::string& owner_id, std::filesystem::file_time_type heartbeat,
                       std::chrono::seconds stale_after);

class MaildirClaims {
 public:
  // Creates <maildir>/bounced-claims/<owner>/.
  MaildirClaims(std::filesystem::path maildir, std::string owner_id);
  // Removes this process's directory if nothing is left in it; a non-empty one is recovered by
  // the next process.
  ~MaildirClaims();
  MaildirClaims(const MaildirClaims&) = delete;
  MaildirClaims& operator=(const MaildirClaims&) = delete;

  // Creates the claim directory; an error message on failure.
  std::string open();

  enum class Claimed { taken, gone, failed };
  // Renames new/<name> into the claim directory. `gone`: another process was faster (or the
  // file was removed); `failed`: error holds why.
  Claimed claim(const std::string& name, std::string& error) const;

  std::filesystem::path path_of(const std::string& name) const { return dir_ / name; }
  const std::filesystem::path& dir() const { return dir_; }

  // Moves the claimed file back to new/ for this or another process to take again.
  bool release(const std::string& name, std::string& error) const;

  // Touches the claim directory: processes on other machines judge liveness by its mtime.
  void heartbeat() const;

  // Moves the messages of dead owners back to new/ and removes their directories. Calls
  // `recovered(owner, count)` for each owner whose claims were taken back.
  void recover_stale(std::chrono::seconds stale_after,
                     const std::function<void(const std::string&, size_t)>& recovered) const;

 private:
  std::filesystem::path maildir_;
  std::filesystem::path root_;  // <maildir>/bounced-claims
  std::filesystem::path dir_;   // root_/<owner>
  std::string owner_id_;
};

}  // namespace bounced::daemon::intake
