// A private Postfix for the milter tests: its own config_directory, queue_directory and
// data_directory in a temporary directory, smtpd on a free loopback port with smtpd_milters
// pointing at the test's milter, virtual(8) delivery into Maildirs there, logging to a file
// (maillog_file), started with `postfix -c DIR start` and stopped with `postfix -c DIR stop`.
// Needs root, like any Postfix master.
#pragma once

#include <string>
#include <vector>

#include "server_support.hpp"

namespace bounced::test {

class PostfixServer {
 public:
  // milter: Postfix's milter address, e.g. "inet:127.0.0.1:8891" or "unix:/path".
  explicit PostfixServer(const std::string& milter);
  ~PostfixServer();

  int smtp_port() const { return smtp_port_; }
  // Messages virtual(8) delivered to a mailbox of the bounce.test domain ("bounces", "human").
  std::vector<std::string> delivered(const std::string& mailbox) const;
  // Messages in Postfix's queue (incoming, active, deferred, hold, maildrop).
  std::size_t queued() const;
  std::string maillog() const;

 private:
  void postfix(const std::string& command) const;

  ServerDir dir_;
  int smtp_port_ = 0;
  bool started_ = false;
};

// The SMTP conversation of a sending MTA, through libetpan's SMTP client.
struct SmtpReply {
  int code = 0;  // the reply to the end of DATA (or to the command that failed)
  std::string text;
};
SmtpReply send_mail(int port, const std::string& sender, const std::vector<std::string>& recipients,
                    const std::string& message);

}  // namespace bounced::test
