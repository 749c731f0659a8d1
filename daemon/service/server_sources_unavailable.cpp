// Without the IMAP and milter sources in the tree, their entries are refused, never ignored.
#include "service/server_sources.hpp"

namespace bounced::daemon::service {

namespace {

std::string unavailable(const SourceConfig& source) {
  return source.location + ": source type '" + source.type +
         "' is not available in this build of bounced";
}

}  // namespace

std::vector<ConfigMessage> check_server_source(const SourceConfig& source, const Config&) {
  return {{unavailable(source), true}};
}

std::variant<std::unique_ptr<intake::Source>, std::string> make_server_source(
    const SourceConfig& source, const Config&, const std::string&) {
  return unavailable(source);
}

}  // namespace bounced::daemon::service
