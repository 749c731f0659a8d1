// Postfix log lines -> events. Pure: one line in, at most one event out, no state. The reader
// follows a queue id from cleanup (message-id=) and qmgr (from=) to each smtp/lmtp/local
// delivery line (to=, relay=, dsn=, status=sent|deferred|bounced and the remote reply).
//
// Both timestamp styles are read: traditional syslog ("Jan  8 09:14:03", the year is supplied
// by the caller) and RFC 3339 ("2026-01-08T09:14:03.123456+00:00", as with
// `maillog_file` or rsyslog's high-precision format).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "time_text.hpp"

namespace bounced::store {

struct MaillogEvent {
  enum class Kind { message_id, sender, delivery, removed };
  Kind kind = Kind::delivery;
  Time at{};
  std::string queue_id;
  std::string message_id;    // message_id: without angle brackets
  std::string sender;        // sender: the envelope sender (from=<...>)
  bool null_sender = false;  // sender: from=<>, a bounce or other notification
  // delivery:
  std::string recipient;   // to=
  std::string orig_to;     // orig_to=, when present
  std::string relay;       // host name of relay=, without [ip]:port
  std::string dsn;         // "2.0.0"
  std::string status;      // sent | deferred | bounced | expired
  std::string reply;       // the remote reply ("550 5.1.1 ...") or Postfix's own explanation
  std::string reply_code;  // "550" when the reply starts with one
};

// year: for syslog timestamps without one. nullopt for lines that are not such events.
std::optional<MaillogEvent> parse_maillog_line(std::string_view line, int year);

}  // namespace bounced::store
