#include "auto_reply.hpp"

#include <re2/re2.h>

#include <algorithm>

#include "text_util.hpp"

namespace bounced::classifiers {

bool is_system_sender(std::string_view from) {
  const std::string lowered = to_lower(from);
  for (std::string_view word :
       {"mailer-daemon", "postmaster", "mail delivery", "mail-daemon", "mailerdaemon",
        // Exchange's system mailbox ("MicrosoftExchange329e71ec...@") sends NDRs, never an
        // out-of-office reply (those come from the user's own address).
        "microsoftexchange"}) {
    if (lowered.find(word) != std::string::npos) return true;
  }
  return false;
}

std::optional<AutoReplySignal> auto_reply_signal(const AutoReplyHeaders& headers,
                                                 std::string_view from, std::string_view subject,
                                                 std::string_view body,
                                                 const AutoReplySignals& signals) {
  auto matches = [](const std::shared_ptr<const re2::RE2>& regex, std::string_view text) {
    return regex && re2::RE2::PartialMatch(text, *regex);
  };
  if (is_system_sender(from)) return std::nullopt;
  // Challenge-response systems mark themselves like vacation responders; their wording decides.
  if (matches(signals.challenge_subject, subject) ||
      matches(signals.challenge_body, body.substr(0, std::min<size_t>(body.size(), 4096)))) {
    return AutoReplySignal{"challenge_response", false};
  }
  const std::string auto_submitted = to_lower(trim(headers.auto_submitted));
  const bool flagged = auto_submitted.starts_with("auto-replied") || headers.vendor_marker ||
                       to_lower(trim(headers.precedence)) == "auto_reply";
  if (flagged) return AutoReplySignal{"vacation", true};
  if (matches(signals.vacation_subject, subject)) return AutoReplySignal{"vacation", false};
  // The responder's own sentence opens the body; a quoted original further down must not count.
  if (matches(signals.vacation_body, body.substr(0, std::min<size_t>(body.size(), 1024)))) {
    return AutoReplySignal{"vacation", false};
  }
  return std::nullopt;
}

}  // namespace bounced::classifiers
