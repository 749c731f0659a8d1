// The intake sources of a configuration: one Source per `sources:` entry that yields mail
// (maildir, imap, milter). maillog entries are followed by MaillogFollower instead: they yield
// send outcomes, not mail.
#pragma once

#include <memory>
#include <string>
#include <variant>

#include "config/config.hpp"
#include "intake/quarantine.hpp"
#include "intake/source.hpp"
#include "log/event_log.hpp"

namespace bounced::daemon::service {

// The source, or why it cannot be built ("file:line:column: ..."). conninfo: the database, for
// sources that keep claims there (IMAP).
std::variant<std::unique_ptr<intake::Source>, std::string> make_source(
    const SourceConfig& source, const Config& config, const std::string& conninfo,
    const intake::Quarantine& quarantine, log::EventLog& log);

}  // namespace bounced::daemon::service
