// What an IMAP source is told by bounced.yaml (`sources:` entries of `type: imap`). Plain values
// so the config loader fills them key by key; the defaults are what an operator gets by naming
// only host, username, password and folder.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace bounced::daemon::intake {

enum class ImapSecurity {
  tls,       // implicit TLS from the first byte (port 993)
  starttls,  // plain connection upgraded by STARTTLS before authenticating (port 143)
  none,      // no TLS at all: loopback or a trusted network only
};

enum class ImapAuth {
  login,  // the LOGIN command
  plain,  // AUTHENTICATE PLAIN (SASL, RFC 4616)
};

// What happens to a message once its rows committed.
enum class ImapAfterCommit {
  expunge,  // flag \Deleted, then UID EXPUNGE (plain EXPUNGE without UIDPLUS)
  move,     // UID MOVE to processed_folder (COPY + \Deleted + expunge without MOVE)
};

struct ImapSourceOptions {
  std::string name = "imap";  // the source's name in logs and IncomingMessage::source
  std::string host;
  std::uint16_t port = 0;  // 0: 993 with tls, 143 otherwise
  ImapSecurity security = ImapSecurity::tls;
  bool verify_certificate = true;  // chain and host name, against ca_file or the system store
  std::string ca_file;             // PEM bundle; "" = the system trust store
  ImapAuth auth = ImapAuth::login;
  std::string username;
  std::string password;
  std::string password_file;  // read at each connection when password is empty (first line)
  std::string folder = "INBOX";

  ImapAfterCommit after_commit = ImapAfterCommit::expunge;
  std::string processed_folder;  // required with after_commit = move; created if missing
  // Ordinary mail (a human reply, spam) is never deleted: it is moved here, or, when this is
  // empty, left in place and marked with kept_keyword so later scans skip it.
  std::string not_bounce_folder;
  std::string kept_keyword = "$BouncedKept";

  // Claims (schema/020_imap_claims.sql) let several daemons share the folder. The account names
  // the mailbox in the claims table; "" = "username@host:port".
  std::string account;
  std::chrono::seconds claim_lease{300};

  std::chrono::seconds poll_interval{60};   // servers without IDLE
  std::chrono::seconds idle_refresh{600};   // IDLE is re-issued this often (RFC 2177: < 29 min)
  std::chrono::seconds timeout{60};         // one network read or write
  std::chrono::seconds reconnect_min{1};    // backoff after a lost connection, doubling ...
  std::chrono::seconds reconnect_max{300};  // ... up to this
  // A message given back by the pipeline (database unavailable) is not taken again before this.
  std::chrono::seconds release_retry{30};
  std::size_t fetch_batch = 16;  // messages claimed and fetched per round trip
};

// Why the options cannot work ("host is not set", ...), or nullopt. For `bounced config check`.
std::optional<std::string> validate(const ImapSourceOptions& options);

// The port actually used: options.port, or the protocol default for the security mode.
std::uint16_t effective_port(const ImapSourceOptions& options);

// The claims-table account: options.account or "username@host:port".
std::string effective_account(const ImapSourceOptions& options);

}  // namespace bounced::daemon::intake
