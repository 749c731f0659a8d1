#include "auto_reply.hpp"

#include <re2/re2.h>

#include <algorithm>

#include "mime_message.hpp"
#include "text_util.hpp"

namespace bounced::classifiers {

bool is_system_sender(std::string_view from) {
  const std::string lowered = to_lower(from);
  for (std::string_view word :
       {"mailer-daemon", "postmaster", "mail delivery", "mail-daemon", "mailerdaemon"}) {
    if (lowered.find(word) != std::string::npos) return true;
  }
  return false;
}

std::optional<std::string> auto_reply_subtype(GMimeObject* message, std::string_view from,
                                              std::string_view subject, std::string_view body,
                                              const AutoReplySignals& signals) {
  auto matches = [](const std::shared_ptr<const re2::RE2>& regex, std::string_view text) {
    return regex && re2::RE2::PartialMatch(text, *regex);
  };
  if (is_system_sender(from)) return std::nullopt;
  if (matches(signals.challenge_subject, subject) ||
      matches(signals.challenge_body, body.substr(0, std::min<size_t>(body.size(), 4096)))) {
    return "challenge_response";
  }
  const std::string auto_submitted = to_lower(header_value(message, "Auto-Submitted"));
  const std::string precedence = to_lower(header_value(message, "Precedence"));
  const bool flagged = auto_submitted.starts_with("auto-replied") ||
                       !header_value(message, "X-Autoreply").empty() ||
                       !header_value(message, "X-Autorespond").empty() ||
                       !header_value(message, "X-Autoresponder").empty() ||
                       !header_value(message, "X-Vacation").empty() || precedence == "auto_reply";
  if (flagged || matches(signals.vacation_subject, subject)) return "vacation";
  return std::nullopt;
}

}  // namespace bounced::classifiers
