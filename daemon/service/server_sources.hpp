// The sources that talk to mail servers - IMAP (daemon/intake/imap_source) and the milter
// (daemon/intake/milter_source) - built from their `sources:` entries. Their options are read
// here, with file:line:column for every problem, into the intake's own option structs.
#pragma once

#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "config/config.hpp"
#include "intake/source.hpp"

namespace bounced::daemon::service {

// The problems of an imap or milter entry's options (for `bounced config check`); empty if none.
std::vector<ConfigMessage> check_server_source(const SourceConfig& source, const Config& config);

// The source, or every problem of its entry. conninfo: for the IMAP claims.
std::variant<std::unique_ptr<intake::Source>, std::string> make_server_source(
    const SourceConfig& source, const Config& config, const std::string& conninfo);

}  // namespace bounced::daemon::service
