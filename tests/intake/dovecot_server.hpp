// A private Dovecot for the IMAP tests: its own dovecot.conf in a temporary directory, one
// passwd-file user whose Maildir lives there too, IMAP and IMAPS listeners on free loopback
// ports, a certificate made at test time, `dovecot -F -c CONF` as a child process.
#pragma once

#include <cstdint>
#include <string>

#include "intake/imap_options.hpp"
#include "server_support.hpp"

namespace bounced::test {

class DovecotServer {
 public:
  DovecotServer();
  ~DovecotServer();

  void start();
  void stop();
  void restart() {
    stop();
    start();
  }

  int imap_port() const { return imap_port_; }
  int imaps_port() const { return imaps_port_; }
  const fs::path& dir() const { return dir_.path(); }
  std::string ca_file() const { return (dir_.path() / "ca.pem").string(); }
  std::string other_ca_file() const { return (dir_.path() / "other-ca.pem").string(); }
  static constexpr const char* user = "bounces";
  static constexpr const char* password = "test-secret";

  // Options for a source against this server: plain IMAP with LOGIN, nothing else set.
  daemon::intake::ImapSourceOptions plain_options() const;

  // A new UIDVALIDITY for INBOX, as after a server-side restore (the server must be stopped).
  void change_inbox_uidvalidity();

 private:
  ServerDir dir_;
  int imap_port_ = 0;
  int imaps_port_ = 0;
  ChildProcess process_;
};

}  // namespace bounced::test
