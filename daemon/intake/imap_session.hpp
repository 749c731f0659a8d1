// One authenticated IMAP connection, through libetpan: connect (implicit TLS, STARTTLS or
// plain), verify the server certificate, LOGIN or AUTHENTICATE PLAIN, then the handful of
// commands the IMAP source needs, all by UID. libetpan types stay inside imap_session.cpp.
//
// Not thread-safe: one thread at a time (the source serialises its use).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "intake/imap_options.hpp"

namespace bounced::daemon::intake {

struct ImapError {
  std::string message;  // what failed, with the server's response text when there is one
};

template <typename T>
using ImapResult = std::variant<T, ImapError>;
using ImapStatus = std::optional<ImapError>;  // nullopt = done

struct FetchedMessage {
  std::uint32_t uid = 0;
  std::string bytes;
  std::chrono::system_clock::time_point internal_date;  // when the server received it
};

class ImapSession {
 public:
  // Connects, secures and authenticates as the options say.
  static ImapResult<std::unique_ptr<ImapSession>> open(const ImapSourceOptions& options);
  ~ImapSession();  // LOGOUT when the connection is still usable, then close
  ImapSession(const ImapSession&) = delete;
  ImapSession& operator=(const ImapSession&) = delete;

  bool has_idle() const;
  bool has_uidplus() const;
  bool has_move() const;

  // SELECT; returns the folder's UIDVALIDITY.
  ImapResult<std::uint32_t> select(const std::string& folder);
  // CREATE unless LIST finds the folder.
  ImapStatus ensure_folder(const std::string& folder);

  // UIDs of the selected folder's messages without \Deleted and without `skip_keyword`.
  ImapResult<std::vector<std::uint32_t>> search_pending(const std::string& skip_keyword);
  // BODY.PEEK[] (leaves \Seen alone) and INTERNALDATE of the given UIDs; a UID expunged in the
  // meantime is simply missing from the result.
  ImapResult<std::vector<FetchedMessage>> fetch(const std::vector<std::uint32_t>& uids);

  // UID STORE +FLAGS.SILENT: "\\Deleted" or a keyword.
  ImapStatus add_flag(const std::vector<std::uint32_t>& uids, const std::string& flag);
  ImapStatus uid_expunge(const std::vector<std::uint32_t>& uids);  // UIDPLUS
  ImapStatus expunge();                                            // every \Deleted message
  ImapStatus uid_move(const std::vector<std::uint32_t>& uids, const std::string& folder);
  ImapStatus uid_copy(const std::vector<std::uint32_t>& uids, const std::string& folder);
  ImapStatus append(const std::string& folder, const std::string& bytes);

  // An EXISTS response arrived since the last clear_exists_seen(): new mail may have come in
  // while a command ran, so the caller scans again instead of going idle.
  void clear_exists_seen();
  bool exists_seen() const;

  // IDLE (RFC 2177): start, wait on the socket (poll fd()) or on data libetpan already
  // buffered, then DONE. The caller scans after every DONE.
  ImapStatus idle_start();
  int fd() const;
  bool has_buffered_input() const;
  ImapStatus idle_done();

  struct Impl;

 private:
  explicit ImapSession(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace bounced::daemon::intake
