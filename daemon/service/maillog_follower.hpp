// The Postfix log as a daemon source of synchronous outcomes: store::MaillogReader::follow on
// its own database connection and thread. Rotation (rename or copytruncate) is the reader's
// business; this keeps it alive: a lost connection or an unreadable file is logged once,
// retried with capped exponential backoff, and reading resumes from the position saved with the
// last committed sends. A reload (new rules) restarts the reader with them.
#pragma once

#include <stop_token>
#include <string>

#include "config/daemon_config.hpp"
#include "log/event_log.hpp"
#include "service/runtime_settings.hpp"

namespace bounced::daemon::service {

class MaillogFollower {
 public:
  MaillogFollower(std::string name, MaillogSourceConfig config, std::string conninfo,
                  const RuntimeSettings& settings, log::EventLog& log);

  const std::string& name() const { return name_; }
  void run(std::stop_token stop);

 private:
  std::string name_;
  MaillogSourceConfig config_;
  std::string conninfo_;
  const RuntimeSettings& settings_;
  log::EventLog& log_;
};

}  // namespace bounced::daemon::service
