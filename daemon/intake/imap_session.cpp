#include "intake/imap_session.hpp"

#include <arpa/inet.h>
#include <libetpan/libetpan.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <fstream>

#include "intake/tls_verify.hpp"

namespace bounced::daemon::intake {

namespace {

// RAII holders for the libetpan structures a command builds and consumes.
struct SetHolder {
  mailimap_set* set = mailimap_set_new_empty();
  ~SetHolder() {
    if (set) mailimap_set_free(set);
  }
};

SetHolder uid_set(const std::vector<std::uint32_t>& uids) {
  SetHolder holder;
  for (std::uint32_t uid : uids) mailimap_set_add_single(holder.set, uid);
  return holder;
}

bool is_ip_literal(const std::string& host) {
  unsigned char buffer[sizeof(in6_addr)];
  return inet_pton(AF_INET, host.c_str(), buffer) == 1 ||
         inet_pton(AF_INET6, host.c_str(), buffer) == 1;
}

// SNI (RFC 6066 section 3) carries DNS names only, never an address.
void set_server_name(mailstream_ssl_context* context, void* data) {
  auto* host = static_cast<std::string*>(data);
  if (!is_ip_literal(*host)) mailstream_ssl_set_server_name(context, host->data());
}

std::chrono::system_clock::time_point to_time_point(const mailimap_date_time* date) {
  if (!date) return std::chrono::system_clock::now();
  std::tm tm{};
  tm.tm_year = date->dt_year - 1900;
  tm.tm_mon = date->dt_month - 1;
  tm.tm_mday = date->dt_day;
  tm.tm_hour = date->dt_hour;
  tm.tm_min = date->dt_min;
  tm.tm_sec = date->dt_sec;
  // dt_zone is the RFC 3501 zone as a number: +0130 is 130.
  const int zone = date->dt_zone;
  const int sign = zone < 0 ? -1 : 1;
  const int offset_minutes = sign * ((sign * zone) / 100 * 60 + (sign * zone) % 100);
  const std::time_t utc = timegm(&tm) - static_cast<std::time_t>(offset_minutes) * 60;
  return std::chrono::system_clock::from_time_t(utc);
}

std::string read_password_file(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

}  // namespace

struct ImapSession::Impl {
  mailimap* imap = mailimap_new(0, nullptr);
  bool usable = true;  // false after a stream error: no LOGOUT on the way out
  bool idling = false;

  ~Impl() {
    if (!imap) return;
    if (usable && !idling) mailimap_logout(imap);
    mailimap_free(imap);
  }

  // "what: libetpan error (server text)". A stream error means the connection is gone.
  ImapError error(const std::string& what, int code) {
    if (code == MAILIMAP_ERROR_STREAM || code == MAILIMAP_ERROR_CONNECTION_REFUSED ||
        code == MAILIMAP_ERROR_FATAL || code == MAILIMAP_ERROR_SSL) {
      usable = false;
    }
    std::string message = what + " failed (libetpan error " + std::to_string(code) + ")";
    if (imap && imap->imap_response && *imap->imap_response) {
      message += ": " + std::string(imap->imap_response);
    }
    return ImapError{message};
  }

  ImapStatus refresh_capabilities() {
    mailimap_capability_data* capabilities = nullptr;
    int r = mailimap_capability(imap, &capabilities);
    if (r != MAILIMAP_NO_ERROR) return error("CAPABILITY", r);
    mailimap_capability_data_free(capabilities);  // libetpan keeps its own copy
    return std::nullopt;
  }

  std::vector<std::string> certificate_chain() {
    std::vector<std::string> chain;
    carray* certs = mailstream_get_certificate_chain(imap->imap_stream);
    if (!certs) return chain;
    for (unsigned int i = 0; i < carray_count(certs); ++i) {
      auto* der = static_cast<MMAPString*>(carray_get(certs, i));
      chain.emplace_back(der->str, der->len);
      mmap_string_free(der);
    }
    carray_free(certs);
    return chain;
  }
};

ImapSession::ImapSession(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ImapSession::~ImapSession() = default;

ImapResult<std::unique_ptr<ImapSession>> ImapSession::open(const ImapSourceOptions& options) {
  auto impl = std::make_unique<Impl>();
  if (!impl->imap) return ImapError{"cannot allocate an IMAP session"};
  mailimap_set_timeout(impl->imap, static_cast<time_t>(options.timeout.count()));
  const std::uint16_t port = effective_port(options);
  const std::string where = options.host + ":" + std::to_string(port);
  std::string host = options.host;

  int r = 0;
  if (options.security == ImapSecurity::tls) {
    r = mailimap_ssl_connect_with_callback(impl->imap, host.c_str(), port, set_server_name, &host);
  } else {
    r = mailimap_socket_connect(impl->imap, host.c_str(), port);
  }
  if (r != MAILIMAP_NO_ERROR_AUTHENTICATED && r != MAILIMAP_NO_ERROR_NON_AUTHENTICATED) {
    impl->usable = false;
    return impl->error("connect to " + where, r);
  }
  const bool preauthenticated = r == MAILIMAP_NO_ERROR_AUTHENTICATED;

  if (options.security == ImapSecurity::starttls) {
    if (auto failed = impl->refresh_capabilities()) return *failed;
    if (!mailimap_has_extension(impl->imap, const_cast<char*>("STARTTLS"))) {
      return ImapError{where + " does not offer STARTTLS"};
    }
    r = mailimap_socket_starttls_with_callback(impl->imap, set_server_name, &host);
    if (r != MAILIMAP_NO_ERROR) {
      impl->usable = false;
      return impl->error("STARTTLS with " + where, r);
    }
  }
  if (options.security != ImapSecurity::none && options.verify_certificate) {
    if (auto untrusted =
            verify_server_certificate(impl->certificate_chain(), options.host, options.ca_file)) {
      return ImapError{where + ": " + *untrusted};
    }
  }

  if (!preauthenticated) {
    // RFC 3501 section 6.2.1: capabilities learnt before TLS are discarded.
    if (auto failed = impl->refresh_capabilities()) return *failed;
    const std::string password = options.password.empty() && !options.password_file.empty()
                                     ? read_password_file(options.password_file)
                                     : options.password;
    if (options.auth == ImapAuth::plain) {
      r = mailimap_authenticate(impl->imap, "PLAIN", options.host.c_str(), nullptr, nullptr,
                                options.username.c_str(), options.username.c_str(),
                                password.c_str(), nullptr);
    } else {
      r = mailimap_login(impl->imap, options.username.c_str(), password.c_str());
    }
    if (r != MAILIMAP_NO_ERROR) {
      return impl->error(
          std::string(options.auth == ImapAuth::plain ? "AUTHENTICATE PLAIN" : "LOGIN") + " as " +
              options.username + " at " + where,
          r);
    }
  }
  // Servers announce more (IDLE, UIDPLUS, MOVE) once authenticated.
  if (auto failed = impl->refresh_capabilities()) return *failed;
  return std::unique_ptr<ImapSession>(new ImapSession(std::move(impl)));
}

bool ImapSession::has_idle() const {
  return mailimap_has_idle(impl_->imap) != 0;
}
bool ImapSession::has_uidplus() const {
  return mailimap_has_uidplus(impl_->imap) != 0;
}
bool ImapSession::has_move() const {
  return mailimap_has_extension(impl_->imap, const_cast<char*>("MOVE")) != 0;
}

ImapResult<std::uint32_t> ImapSession::select(const std::string& folder) {
  int r = mailimap_select(impl_->imap, folder.c_str());
  if (r != MAILIMAP_NO_ERROR) return impl_->error("SELECT " + folder, r);
  if (!impl_->imap->imap_selection_info) return ImapError{"SELECT " + folder + ": no UIDVALIDITY"};
  return impl_->imap->imap_selection_info->sel_uidvalidity;
}

ImapStatus ImapSession::ensure_folder(const std::string& folder) {
  clist* found = nullptr;
  int r = mailimap_list(impl_->imap, "", folder.c_str(), &found);
  if (r != MAILIMAP_NO_ERROR) return impl_->error("LIST " + folder, r);
  const bool exists = found && clist_count(found) > 0;
  if (found) mailimap_list_result_free(found);
  if (exists) return std::nullopt;
  r = mailimap_create(impl_->imap, folder.c_str());
  if (r != MAILIMAP_NO_ERROR) return impl_->error("CREATE " + folder, r);
  return std::nullopt;
}

ImapResult<std::vector<std::uint32_t>> ImapSession::search_pending(
    const std::string& skip_keyword) {
  mailimap_search_key* keys = mailimap_search_key_new_multiple_empty();
  mailimap_search_key_multiple_add(
      keys, mailimap_search_key_new(
                MAILIMAP_SEARCH_KEY_UNDELETED, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr,
                nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, 0, nullptr,
                nullptr, nullptr, nullptr, nullptr, nullptr, 0, nullptr, nullptr, nullptr));
  if (!skip_keyword.empty()) {
    mailimap_search_key_multiple_add(
        keys, mailimap_search_key_new_unkeyword(strdup(skip_keyword.c_str())));
  }
  clist* result = nullptr;
  int r = mailimap_uid_search(impl_->imap, nullptr, keys, &result);
  mailimap_search_key_free(keys);
  if (r != MAILIMAP_NO_ERROR) return impl_->error("UID SEARCH", r);
  std::vector<std::uint32_t> uids;
  for (clistiter* it = clist_begin(result); it; it = clist_next(it)) {
    uids.push_back(*static_cast<std::uint32_t*>(clist_content(it)));
  }
  mailimap_search_result_free(result);
  std::sort(uids.begin(), uids.end());
  return uids;
}

ImapResult<std::vector<FetchedMessage>> ImapSession::fetch(const std::vector<std::uint32_t>& uids) {
  std::vector<FetchedMessage> messages;
  if (uids.empty()) return messages;
  SetHolder set = uid_set(uids);
  mailimap_fetch_type* type = mailimap_fetch_type_new_fetch_att_list_empty();
  mailimap_fetch_type_new_fetch_att_list_add(type, mailimap_fetch_att_new_uid());
  mailimap_fetch_type_new_fetch_att_list_add(type, mailimap_fetch_att_new_internaldate());
  mailimap_fetch_type_new_fetch_att_list_add(
      type, mailimap_fetch_att_new_body_peek_section(mailimap_section_new(nullptr)));
  clist* result = nullptr;
  int r = mailimap_uid_fetch(impl_->imap, set.set, type, &result);
  mailimap_fetch_type_free(type);
  if (r != MAILIMAP_NO_ERROR) return impl_->error("UID FETCH", r);
  for (clistiter* it = clist_begin(result); it; it = clist_next(it)) {
    auto* attributes = static_cast<mailimap_msg_att*>(clist_content(it));
    FetchedMessage message;
    bool has_body = false;
    const mailimap_date_time* internal_date = nullptr;
    for (clistiter* item_it = clist_begin(attributes->att_list); item_it;
         item_it = clist_next(item_it)) {
      auto* item = static_cast<mailimap_msg_att_item*>(clist_content(item_it));
      if (item->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC) continue;
      mailimap_msg_att_static* value = item->att_data.att_static;
      switch (value->att_type) {
        case MAILIMAP_MSG_ATT_UID:
          message.uid = value->att_data.att_uid;
          break;
        case MAILIMAP_MSG_ATT_INTERNALDATE:
          internal_date = value->att_data.att_internal_date;
          break;
        case MAILIMAP_MSG_ATT_BODY_SECTION:
          if (value->att_data.att_body_section->sec_body_part) {
            message.bytes.assign(value->att_data.att_body_section->sec_body_part,
                                 value->att_data.att_body_section->sec_length);
          }
          has_body = true;
          break;
        default:
          break;
      }
    }
    // Unsolicited FETCH responses (a flag change by another client) carry no body.
    if (message.uid == 0 || !has_body) continue;
    message.internal_date = to_time_point(internal_date);
    messages.push_back(std::move(message));
  }
  mailimap_fetch_list_free(result);
  return messages;
}

ImapStatus ImapSession::add_flag(const std::vector<std::uint32_t>& uids, const std::string& flag) {
  if (uids.empty()) return std::nullopt;
  SetHolder set = uid_set(uids);
  mailimap_flag_list* flags = mailimap_flag_list_new_empty();
  mailimap_flag_list_add(flags, flag == "\\Deleted"
                                    ? mailimap_flag_new_deleted()
                                    : mailimap_flag_new_flag_keyword(strdup(flag.c_str())));
  mailimap_store_att_flags* store = mailimap_store_att_flags_new_add_flags_silent(flags);
  int r = mailimap_uid_store(impl_->imap, set.set, store);
  mailimap_store_att_flags_free(store);
  if (r != MAILIMAP_NO_ERROR) return impl_->error("UID STORE +FLAGS " + flag, r);
  return std::nullopt;
}

ImapStatus ImapSession::uid_expunge(const std::vector<std::uint32_t>& uids) {
  if (uids.empty()) return std::nullopt;
  SetHolder set = uid_set(uids);
  int r = mailimap_uid_expunge(impl_->imap, set.set);
  if (r != MAILIMAP_NO_ERROR) return impl_->error("UID EXPUNGE", r);
  return std::nullopt;
}

ImapStatus ImapSession::expunge() {
  int r = mailimap_expunge(impl_->imap);
  if (r != MAILIMAP_NO_ERROR) return impl_->error("EXPUNGE", r);
  return std::nullopt;
}

ImapStatus ImapSession::uid_move(const std::vector<std::uint32_t>& uids,
                                 const std::string& folder) {
  if (uids.empty()) return std::nullopt;
  SetHolder set = uid_set(uids);
  int r = mailimap_uid_move(impl_->imap, set.set, folder.c_str());
  if (r != MAILIMAP_NO_ERROR) return impl_->error("UID MOVE to " + folder, r);
  return std::nullopt;
}

ImapStatus ImapSession::uid_copy(const std::vector<std::uint32_t>& uids,
                                 const std::string& folder) {
  if (uids.empty()) return std::nullopt;
  SetHolder set = uid_set(uids);
  int r = mailimap_uid_copy(impl_->imap, set.set, folder.c_str());
  if (r != MAILIMAP_NO_ERROR) return impl_->error("UID COPY to " + folder, r);
  return std::nullopt;
}

ImapStatus ImapSession::append(const std::string& folder, const std::string& bytes) {
  int r =
      mailimap_append(impl_->imap, folder.c_str(), nullptr, nullptr, bytes.data(), bytes.size());
  if (r != MAILIMAP_NO_ERROR) return impl_->error("APPEND to " + folder, r);
  return std::nullopt;
}

void ImapSession::clear_exists_seen() {
  if (impl_->imap->imap_selection_info) impl_->imap->imap_selection_info->sel_has_exists = 0;
}

bool ImapSession::exists_seen() const {
  return impl_->imap->imap_selection_info && impl_->imap->imap_selection_info->sel_has_exists != 0;
}

ImapStatus ImapSession::idle_start() {
  int r = mailimap_idle(impl_->imap);
  if (r != MAILIMAP_NO_ERROR) return impl_->error("IDLE", r);
  impl_->idling = true;
  return std::nullopt;
}

int ImapSession::fd() const {
  return mailimap_idle_get_fd(impl_->imap);
}

bool ImapSession::has_buffered_input() const {
  return impl_->imap->imap_stream && impl_->imap->imap_stream->read_buffer_len > 0;
}

ImapStatus ImapSession::idle_done() {
  impl_->idling = false;
  int r = mailimap_idle_done(impl_->imap);
  if (r != MAILIMAP_NO_ERROR) return impl_->error("IDLE DONE", r);
  return std::nullopt;
}

std::optional<std::string> validate(const ImapSourceOptions& options) {
  const std::string where = "imap source '" + options.name + "': ";
  if (options.host.empty()) return where + "host is not set";
  if (options.username.empty()) return where + "username is not set";
  if (options.password.empty() && options.password_file.empty()) {
    return where + "neither password nor password_file is set";
  }
  if (options.folder.empty()) return where + "folder is empty";
  if (options.after_commit == ImapAfterCommit::move && options.processed_folder.empty()) {
    return where + "after_commit: move needs processed_folder";
  }
  if (options.processed_folder == options.folder || options.not_bounce_folder == options.folder) {
    return where + "processed_folder and not_bounce_folder must differ from folder";
  }
  if (options.not_bounce_folder.empty() && options.kept_keyword.empty()) {
    return where + "kept_keyword is needed when not_bounce_folder is empty";
  }
  if (options.reconnect_min.count() <= 0 || options.reconnect_max < options.reconnect_min) {
    return where + "reconnect_min must be positive and at most reconnect_max";
  }
  if (options.idle_refresh > std::chrono::minutes(29)) {
    return where + "idle_refresh must stay under 29 minutes (RFC 2177)";
  }
  return std::nullopt;
}

std::uint16_t effective_port(const ImapSourceOptions& options) {
  if (options.port != 0) return options.port;
  return options.security == ImapSecurity::tls ? 993 : 143;
}

std::string effective_account(const ImapSourceOptions& options) {
  if (!options.account.empty()) return options.account;
  return options.username + "@" + options.host + ":" + std::to_string(effective_port(options));
}

}  // namespace bounced::daemon::intake
