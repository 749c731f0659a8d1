// The Maildir intake source: the MTA (or Dovecot's LDA, procmail, fetchmail) delivers bounces
// into <maildir>/new/, and this source takes each one as it lands.
//
// - inotify on new/ (IN_MOVED_TO, IN_CREATE) wakes it; new/ is scanned at start and again after
//   the kernel dropped events (IN_Q_OVERFLOW), so nothing delivered while it was busy or down is
//   missed.
// - Each message is claimed by an atomic rename into this process's claim directory before it
//   is read (maildir_claims.hpp): several daemons may share the Maildir and none takes a
//   message twice. Every file in new/ is mail; no name is skipped.
// - acknowledge(): stored mail moves to the processed folder (Maildir++ .Processed by default,
//   with the S flag) or is deleted; mail that is no bounce moves to not_bounce_folder or stays
//   in the Maildir's cur/ unread, never deleted; quarantined mail (its copy already durable) is
//   removed. release(): back to new/.
// - A file over the size limit is not read into memory: it is copied to the quarantine in
//   chunks and then removed.
#pragma once

#include <atomic>
#include <cstddef>
#include <filesystem>
#include <string>

#include "intake/maildir_claims.hpp"
#include "intake/quarantine.hpp"
#include "intake/source.hpp"
#include "log/event_log.hpp"

namespace bounced::daemon::intake {

struct MaildirSourceOptions {
  std::string name;
  std::filesystem::path maildir;
  std::string processed_folder = ".Processed";  // "" = delete stored mail
  std::string not_bounce_folder;                // "" = the Maildir's own cur/
  std::chrono::seconds stale_claim_after{300};
  std::size_t max_message_size = 32u << 20;
};

class MaildirSource final : public Source {
 public:
  MaildirSource(MaildirSourceOptions options, const Quarantine& quarantine, log::EventLog& log);

  const std::string& name() const override { return options_.name; }
  void run(MessageSink& sink, std::stop_token stop) override;
  void acknowledge(const IncomingMessage& message, Disposition disposition) override;
  void release(const IncomingMessage& message) override;

 private:
  // Claims, reads and pushes one file of new/. False once the sink refuses (stopping).
  bool take(const std::string& name, MessageSink& sink);
  // Every file in new/ now; false once the sink refuses.
  bool scan(MessageSink& sink, const std::stop_token& stop);
  // Moves a claimed file into cur/ of a Maildir++ folder ("" = the Maildir itself).
  void file_into(const std::string& name, const std::string& folder, const char* flags,
                 std::string_view disposition);
  void housekeeping();

  MaildirSourceOptions options_;
  const Quarantine& quarantine_;
  log::EventLog& log_;
  MaildirClaims claims_;
  std::chrono::steady_clock::time_point next_housekeeping_{};
};

}  // namespace bounced::daemon::intake
