// The one place libmilter is used. libmilter keeps process-global state: smfi_register() fills
// one static filter description, smfi_main() runs one listener, and its stop flag is never
// reset, so a second smfi_main() in the same process returns at once. It also starts a thread
// that sigwait()s for SIGHUP, SIGTERM and SIGINT and stops the milter on any of them: the
// daemon's main thread must take those signals itself (sigwait/sigtimedwait in the main thread,
// or handlers with the signals unblocked there) so that Linux, which offers a process-directed
// signal to the main thread first, never hands a SIGHUP meant as "reload" to libmilter.
//
// Hence: at most one milter per process, reserved once (reserve_libmilter) and run once
// (run_libmilter); the C callbacks reach the C++ side through a single pointer held here.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "intake/milter_transaction.hpp"

namespace bounced::daemon::intake {

// The answer at end of message.
struct MilterVerdict {
  enum class Action { accept, discard, tempfail };
  Action action = Action::tempfail;
  std::vector<std::string> remove_recipients;  // with accept: smfi_delrcpt these (as in RCPT)
  std::string reply;  // with tempfail: the SMTP reply text ("" = the MTA's default)
};

struct MilterHandlers {
  // Whether an envelope recipient (without brackets) is bounced's.
  std::function<bool(std::string_view address)> is_ours;
  std::size_t max_message_bytes = 0;
  // A message with at least one of our recipients, complete. Runs on libmilter's thread for the
  // connection and may block until the pipeline answered; keep_alive() tells the MTA (every
  // call resets its timeout, smfi_progress) that the answer is still coming.
  std::function<MilterVerdict(MilterTransaction& transaction, const std::string& queue_id,
                              const std::function<void()>& keep_alive)>
      end_of_message;
};

struct LibmilterSettings {
  std::string name;
  std::string socket;  // "unix:/path" or "inet:port@address"
  unsigned socket_mode = 0660;
  std::chrono::seconds mta_timeout{300};
  int backlog = 64;
};

// True the first time it is called in a process: that caller may run libmilter.
bool reserve_libmilter();

// Opens the socket, runs libmilter until stop is requested, and returns once every callback
// has left (so `handlers` may be destroyed afterwards). An error when it could not start.
std::optional<std::string> run_libmilter(const LibmilterSettings& settings,
                                         const MilterHandlers& handlers, std::stop_token stop);

}  // namespace bounced::daemon::intake
