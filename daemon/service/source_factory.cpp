#include "service/source_factory.hpp"

#include "intake/maildir_source.hpp"

namespace bounced::daemon::service {

std::variant<std::unique_ptr<intake::Source>, std::string> make_source(
    const SourceConfig& source, const Config& config, const intake::Quarantine& quarantine,
    log::EventLog& log) {
  if (source.type == "maildir") {
    intake::MaildirSourceOptions options;
    options.name = source.name;
    options.maildir = source.maildir.path;
    options.processed_folder = source.maildir.processed_folder.value_or(config.processed_folder);
    options.not_bounce_folder = source.maildir.not_bounce_folder;
    options.stale_claim_after = source.maildir.stale_claim_after;
    options.max_message_size = config.daemon.pipeline.max_message_size;
    return std::make_unique<intake::MaildirSource>(std::move(options), quarantine, log);
  }
  // The IMAP and milter sources (daemon/intake/imap_source, milter_source) are built here once
  // they are part of this tree; until then such an entry is refused rather than ignored.
  return source.location + ": source type '" + source.type +
         "' is not available in this build of bounced";
}

}  // namespace bounced::daemon::service
