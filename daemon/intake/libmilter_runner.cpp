#include "intake/libmilter_runner.hpp"

#include <libmilter/mfapi.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <atomic>
#include <condition_variable>
#include <mutex>

namespace bounced::daemon::intake {

namespace {

// libmilter's callbacks carry no user pointer beyond the per-connection one, which they have
// to be given from somewhere: this is it. Guarded so that a callback never runs against
// handlers that are gone, and run_libmilter waits for the last one to leave.
struct ActiveMilter {
  std::mutex mutex;
  std::condition_variable idle;
  const MilterHandlers* handlers = nullptr;
  int in_callback = 0;
};

ActiveMilter& active() {
  static ActiveMilter instance;
  return instance;
}

// Enter/leave bookkeeping for one callback; handlers() is null when the milter is gone.
class CallbackScope {
 public:
  CallbackScope() {
    std::lock_guard lock(active().mutex);
    handlers_ = active().handlers;
    if (handlers_) ++active().in_callback;
  }
  ~CallbackScope() {
    if (!handlers_) return;
    std::lock_guard lock(active().mutex);
    if (--active().in_callback == 0) active().idle.notify_all();
  }
  CallbackScope(const CallbackScope&) = delete;
  CallbackScope& operator=(const CallbackScope&) = delete;
  const MilterHandlers* handlers() const { return handlers_; }

 private:
  const MilterHandlers* handlers_ = nullptr;
};

struct Connection {
  MilterTransaction transaction;
  bool leading_space = false;  // SMFIP_HDR_LEADSPC negotiated
  bool taking = false;         // this message has one of our recipients
};

Connection* connection_of(SMFICTX* context) {
  return static_cast<Connection*>(smfi_getpriv(context));
}

sfsistat on_negotiate(SMFICTX* context, unsigned long actions, unsigned long steps, unsigned long,
                      unsigned long, unsigned long* want_actions, unsigned long* want_steps,
                      unsigned long* want_2, unsigned long* want_3) {
  CallbackScope scope;
  if (!scope.handlers()) return SMFIS_REJECT;
  auto* connection = new Connection;
  smfi_setpriv(context, connection);
  *want_actions = actions & SMFIF_DELRCPT;
  // Ask for the header whitespace as sent, and skip what is never looked at, where offered.
  const unsigned long wanted = SMFIP_HDR_LEADSPC | SMFIP_NOHELO | SMFIP_NOUNKNOWN | SMFIP_NODATA;
  *want_steps = steps & wanted;
  connection->leading_space = (*want_steps & SMFIP_HDR_LEADSPC) != 0;
  *want_2 = 0;
  *want_3 = 0;
  return SMFIS_CONTINUE;
}

sfsistat on_envfrom(SMFICTX* context, char** argv) {
  CallbackScope scope;
  Connection* connection = connection_of(context);
  if (!scope.handlers() || !connection) return SMFIS_TEMPFAIL;
  connection->transaction.start(argv && argv[0] ? argv[0] : "");
  connection->taking = false;
  return SMFIS_CONTINUE;
}

sfsistat on_envrcpt(SMFICTX* context, char** argv) {
  CallbackScope scope;
  Connection* connection = connection_of(context);
  if (!scope.handlers() || !connection) return SMFIS_TEMPFAIL;
  const std::string recipient = argv && argv[0] ? argv[0] : "";
  const bool ours = scope.handlers()->is_ours(envelope_address(recipient));
  connection->transaction.add_recipient(recipient, ours);
  connection->taking = connection->taking || ours;
  return SMFIS_CONTINUE;
}

sfsistat on_header(SMFICTX* context, char* name, char* value) {
  CallbackScope scope;
  Connection* connection = connection_of(context);
  if (!scope.handlers() || !connection) return SMFIS_TEMPFAIL;
  // Not ours: let the MTA go on without us for the rest of this message.
  if (!connection->taking) return SMFIS_ACCEPT;
  connection->transaction.add_header(name ? name : "", value ? value : "",
                                     connection->leading_space);
  return SMFIS_CONTINUE;
}

sfsistat on_eoh(SMFICTX* context) {
  CallbackScope scope;
  Connection* connection = connection_of(context);
  if (!scope.handlers() || !connection) return SMFIS_TEMPFAIL;
  if (!connection->taking) return SMFIS_ACCEPT;
  connection->transaction.end_of_headers();
  return SMFIS_CONTINUE;
}

sfsistat on_body(SMFICTX* context, unsigned char* chunk, size_t size) {
  CallbackScope scope;
  Connection* connection = connection_of(context);
  if (!scope.handlers() || !connection) return SMFIS_TEMPFAIL;
  if (!connection->transaction.add_body(
          std::string_view(reinterpret_cast<const char*>(chunk), size),
          scope.handlers()->max_message_bytes)) {
    spdlog::warn("event=milter_oversize limit={} action=accept_untouched",
                 scope.handlers()->max_message_bytes);
    connection->transaction.start("");
    return SMFIS_ACCEPT;
  }
  return SMFIS_CONTINUE;
}

sfsistat on_eom(SMFICTX* context) {
  CallbackScope scope;
  Connection* connection = connection_of(context);
  if (!scope.handlers() || !connection) return SMFIS_TEMPFAIL;
  if (!connection->taking) return SMFIS_ACCEPT;
  const char* queue_id = smfi_getsymval(context, const_cast<char*>("i"));
  const MilterVerdict verdict = scope.handlers()->end_of_message(
      connection->transaction, queue_id ? queue_id : "", [context] { smfi_progress(context); });
  connection->transaction.start("");
  switch (verdict.action) {
    case MilterVerdict::Action::discard:
      return SMFIS_DISCARD;
    case MilterVerdict::Action::accept:
      for (const auto& recipient : verdict.remove_recipients) {
        if (smfi_delrcpt(context, const_cast<char*>(recipient.c_str())) != MI_SUCCESS) {
          // The rows are committed; the worst left is a copy in the bounce mailbox as well.
          spdlog::warn("event=milter_delrcpt_failed recipient={}", recipient);
        }
      }
      return SMFIS_ACCEPT;
    case MilterVerdict::Action::tempfail:
      if (!verdict.reply.empty()) {
        smfi_setreply(context, const_cast<char*>("451"), const_cast<char*>("4.3.0"),
                      const_cast<char*>(verdict.reply.c_str()));
      }
      return SMFIS_TEMPFAIL;
  }
  return SMFIS_TEMPFAIL;
}

sfsistat on_abort(SMFICTX* context) {
  CallbackScope scope;
  if (Connection* connection = connection_of(context)) connection->transaction.start("");
  return SMFIS_CONTINUE;
}

sfsistat on_close(SMFICTX* context) {
  CallbackScope scope;
  delete connection_of(context);
  smfi_setpriv(context, nullptr);
  return SMFIS_CONTINUE;
}

}  // namespace

bool reserve_libmilter() {
  static std::atomic<bool> reserved{false};
  return !reserved.exchange(true);
}

std::optional<std::string> run_libmilter(const LibmilterSettings& settings,
                                         const MilterHandlers& handlers, std::stop_token stop) {
  std::string name = settings.name;
  std::string socket = settings.socket;
  smfiDesc description{};
  description.xxfi_name = name.data();
  description.xxfi_version = SMFI_VERSION;
  description.xxfi_flags = SMFIF_DELRCPT;
  description.xxfi_envfrom = on_envfrom;
  description.xxfi_envrcpt = on_envrcpt;
  description.xxfi_header = on_header;
  description.xxfi_eoh = on_eoh;
  description.xxfi_body = on_body;
  description.xxfi_eom = on_eom;
  description.xxfi_abort = on_abort;
  description.xxfi_close = on_close;
  description.xxfi_negotiate = on_negotiate;

  if (smfi_register(description) != MI_SUCCESS) return "smfi_register failed";
  if (smfi_setconn(socket.data()) != MI_SUCCESS) return "invalid milter socket: " + socket;
  smfi_settimeout(static_cast<int>(settings.mta_timeout.count()));
  smfi_setbacklog(settings.backlog);
  // Opened here rather than inside smfi_main so a bad address is an error at start-up; true:
  // a stale unix socket from a previous run is removed first.
  if (smfi_opensocket(true) != MI_SUCCESS) return "cannot listen on " + socket;
  if (socket.rfind("unix:", 0) == 0 || socket.rfind("local:", 0) == 0) {
    const std::string path = socket.substr(socket.find(':') + 1);
    chmod(path.c_str(), static_cast<mode_t>(settings.socket_mode));
  }

  {
    std::lock_guard lock(active().mutex);
    active().handlers = &handlers;
  }
  std::stop_callback on_stop(stop, [] { smfi_stop(); });
  const int result = smfi_main();

  // Connections may still be inside a callback (an end of message waiting for its commit):
  // wait for them, then make later callbacks see no handlers.
  {
    std::unique_lock lock(active().mutex);
    active().idle.wait(lock, [] { return active().in_callback == 0; });
    active().handlers = nullptr;
  }
  if (result != MI_SUCCESS) return "libmilter stopped with an error";
  if (!stop.stop_requested()) {
    return "libmilter stopped on its own (a SIGHUP, SIGTERM or SIGINT reached its signal thread)";
  }
  return std::nullopt;
}

}  // namespace bounced::daemon::intake
