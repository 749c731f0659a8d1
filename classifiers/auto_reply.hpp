// RFC 3834 auto-replies and challenge-response requests: never bounces, whatever they say.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "format_catalog.hpp"

namespace bounced::classifiers {

// Mail from MAILER-DAEMON, postmaster and the like is a bounce, never an auto-reply, even with
// "Auto-Submitted: auto-replied" (which RFC 3834 asks bounces to carry too).
bool is_system_sender(std::string_view from);

// The header fields that mark an automatic reply, as the notice carries them ("" when absent).
struct AutoReplyHeaders {
  std::string auto_submitted;  // RFC 3834
  std::string precedence;      // "auto_reply" (older responders)
  bool vendor_marker = false;  // X-Autoreply, X-Autorespond, X-Autoresponder, X-Vacation
};

struct AutoReplySignal {
  std::string subtype;  // "vacation" or "challenge_response"
  bool by_header;       // marked by a header field, not only by its wording
};

// Whether a message from `from` is an auto-reply, and on what evidence: the headers above, the
// catalog's vacation subjects, its challenge-response subjects and body wording.
std::optional<AutoReplySignal> auto_reply_signal(const AutoReplyHeaders& headers,
                                                 std::string_view from, std::string_view subject,
                                                 std::string_view body,
                                                 const AutoReplySignals& signals);

}  // namespace bounced::classifiers
