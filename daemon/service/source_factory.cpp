#include "service/source_factory.hpp"

#include "intake/maildir_source.hpp"
#include "service/server_sources.hpp"

namespace bounced::daemon::service {

std::variant<std::unique_ptr<intake::Source>, std::string> make_source(
    const SourceConfig& source, const Config& config, const std::string& conninfo,
    const intake::Quarantine& quarantine, log::EventLog& log) {
  if (source.type == "maildir") {
    intake::MaildirSourceOptions options;
    options.name = source.name;
    options.maildir = source.maildir.path;
    options.processed_folder = source.maildir.processed_folder.value_or(config.processed_folder);
    options.not_bounce_folder = source.maildir.not_bounce_folder;
    options.stale_claim_after = source.maildir.stale_claim_after;
    options.max_message_size = config.limits.max_message_size;
    return std::make_unique<intake::MaildirSource>(std::move(options), quarantine, log);
  }
  return make_server_source(source, config, conninfo);
}

}  // namespace bounced::daemon::service
