// RFC 3834 auto-replies and challenge-response requests: never bounces, whatever they say.
#pragma once

#include <gmime/gmime.h>

#include <optional>
#include <string>
#include <string_view>

#include "format_catalog.hpp"

namespace bounced::classifiers {

// Mail from MAILER-DAEMON, postmaster and the like is a bounce, never an auto-reply, even with
// "Auto-Submitted: auto-replied" (which RFC 3834 asks bounces to carry too).
bool is_system_sender(std::string_view from);

// "vacation" or "challenge_response" when the message is one, by its headers (Auto-Submitted,
// X-Autoreply, X-Autorespond, Precedence) or the catalog's subject and body signals.
std::optional<std::string> auto_reply_subtype(GMimeObject* message, std::string_view from,
                                              std::string_view subject, std::string_view body,
                                              const AutoReplySignals& signals);

}  // namespace bounced::classifiers
