#include "service/server_sources.hpp"

#include "config/section_reader.hpp"
#include "imap_claim_store.hpp"
#include "intake/imap_options.hpp"
#include "intake/imap_source.hpp"
#include "intake/milter_options.hpp"
#include "intake/milter_source.hpp"

namespace bounced::daemon::service {

namespace {

using std::chrono::seconds;

intake::ImapSourceOptions read_imap(SectionReader& r, const SourceConfig& source) {
  const YAML::Node& node = source.options;
  const std::string section = "source '" + source.name + "'";
  r.warn_unknown(node,
                 {"name",
                  "type",
                  "host",
                  "port",
                  "security",
                  "verify_certificate",
                  "ca_file",
                  "auth",
                  "username",
                  "password",
                  "password_file",
                  "folder",
                  "after_commit",
                  "processed_folder",
                  "not_bounce_folder",
                  "kept_keyword",
                  "account",
                  "claim_lease",
                  "poll_interval",
                  "idle_refresh",
                  "timeout",
                  "reconnect_min",
                  "reconnect_max",
                  "release_retry",
                  "fetch_batch"},
                 section);
  intake::ImapSourceOptions options;
  options.name = source.name;
  r.string(node, "host", options.host);
  r.integer(node, "port", options.port, 0);
  if (auto security = r.choice(node, "security", {"tls", "starttls", "none"})) {
    options.security = *security == 0   ? intake::ImapSecurity::tls
                       : *security == 1 ? intake::ImapSecurity::starttls
                                        : intake::ImapSecurity::none;
  }
  r.boolean(node, "verify_certificate", options.verify_certificate);
  r.path(node, "ca_file", options.ca_file);
  if (auto auth = r.choice(node, "auth", {"login", "plain"})) {
    options.auth = *auth == 0 ? intake::ImapAuth::login : intake::ImapAuth::plain;
  }
  r.string(node, "username", options.username);
  r.string(node, "password", options.password);
  r.path(node, "password_file", options.password_file);
  r.string(node, "folder", options.folder);
  if (auto after = r.choice(node, "after_commit", {"expunge", "move"})) {
    options.after_commit =
        *after == 0 ? intake::ImapAfterCommit::expunge : intake::ImapAfterCommit::move;
  }
  r.string(node, "processed_folder", options.processed_folder);
  r.string(node, "not_bounce_folder", options.not_bounce_folder);
  r.string(node, "kept_keyword", options.kept_keyword);
  r.string(node, "account", options.account);
  r.duration(node, "claim_lease", options.claim_lease, seconds(10));
  r.duration(node, "poll_interval", options.poll_interval, seconds(1));
  r.duration(node, "idle_refresh", options.idle_refresh, seconds(10));
  r.duration(node, "timeout", options.timeout, seconds(1));
  r.duration(node, "reconnect_min", options.reconnect_min, seconds(1));
  r.duration(node, "reconnect_max", options.reconnect_max, seconds(1));
  r.duration(node, "release_retry", options.release_retry, seconds(1));
  r.integer(node, "fetch_batch", options.fetch_batch, 1);
  if (auto problem = intake::validate(options)) r.error(node, section + ": " + *problem);
  return options;
}

intake::MilterSourceOptions read_milter(SectionReader& r, const SourceConfig& source,
                                        const Config& config) {
  const YAML::Node& node = source.options;
  const std::string section = "source '" + source.name + "'";
  r.warn_unknown(node,
                 {"name", "type", "socket", "socket_mode", "recipients", "on_stored",
                  "answer_timeout", "drain_timeout", "mta_timeout", "backlog", "max_message_bytes"},
                 section);
  intake::MilterSourceOptions options;
  options.name = source.name;
  options.max_message_bytes = config.limits.max_message_size;
  r.string(node, "socket", options.socket);
  if (options.socket.empty()) r.error(node, section + ": a milter source needs a socket");
  // A mode is octal whether or not it is written with its leading 0 ("0660", "660").
  std::string mode;
  if (r.string(node, "socket_mode", mode)) {
    try {
      size_t used = 0;
      options.socket_mode = static_cast<unsigned>(std::stoul(mode, &used, 8));
      if (used != mode.size() || options.socket_mode > 0777) throw std::invalid_argument(mode);
    } catch (const std::exception&) {
      r.error(node["socket_mode"], "socket_mode must be an octal mode such as 0660");
    }
  }
  r.strings(node, "recipients", options.recipients);
  if (auto on_stored = r.choice(node, "on_stored", {"discard", "accept"})) {
    options.on_stored =
        *on_stored == 0 ? intake::MilterOnStored::discard : intake::MilterOnStored::accept;
  }
  r.duration(node, "answer_timeout", options.answer_timeout, seconds(1));
  r.duration(node, "drain_timeout", options.drain_timeout, seconds(1));
  r.duration(node, "mta_timeout", options.mta_timeout, seconds(1));
  r.integer(node, "backlog", options.backlog, 1);
  r.integer(node, "max_message_bytes", options.max_message_bytes, 1024);
  return options;
}

std::string joined(const std::vector<ConfigMessage>& messages) {
  std::string text;
  for (const auto& message : messages) {
    if (!message.is_error) continue;
    text += (text.empty() ? "" : "\n") + message.text;
  }
  return text;
}

}  // namespace

std::vector<ConfigMessage> check_server_source(const SourceConfig& source, const Config& config) {
  std::vector<ConfigMessage> messages;
  SectionReader r(config.source_file, messages);
  if (source.type == "imap") {
    read_imap(r, source);
  } else {
    read_milter(r, source, config);
  }
  return messages;
}

std::variant<std::unique_ptr<intake::Source>, std::string> make_server_source(
    const SourceConfig& source, const Config& config, const std::string& conninfo) {
  std::vector<ConfigMessage> messages;
  SectionReader r(config.source_file, messages);
  if (source.type == "imap") {
    auto options = read_imap(r, source);
    if (r.has_errors()) return joined(messages);
    // Claims in PostgreSQL: several daemons may drain the same folder.
    auto claims = std::make_unique<store::ImapClaimStore>(
        conninfo, store::make_claim_owner(source.name), options.claim_lease);
    return std::make_unique<intake::ImapSource>(std::move(options), std::move(claims));
  }
  auto options = read_milter(r, source, config);
  if (r.has_errors()) return joined(messages);
  auto created = intake::MilterSource::create(std::move(options));
  if (auto* error = std::get_if<std::string>(&created)) return source.location + ": " + *error;
  return std::unique_ptr<intake::Source>(
      std::get<std::unique_ptr<intake::MilterSource>>(std::move(created)));
}

}  // namespace bounced::daemon::service
