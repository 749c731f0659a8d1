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
                                                 std::string_view from, const AutoReplyText& text,
                                                 const AutoReplySignals& signals) {
  auto matches = [](const std::shared_ptr<const re2::RE2>& regex, std::string_view in) {
    return regex && re2::RE2::PartialMatch(in, *regex);
  };
  if (is_system_sender(from)) return std::nullopt;
  const std::string_view opening =
      text.own_body.substr(0, std::min<size_t>(text.own_body.size(), 1024));
  const std::string auto_submitted = to_lower(trim(headers.auto_submitted));
  const bool replied = auto_submitted.starts_with("auto-replied");
  const bool marked = headers.vendor_marker || to_lower(trim(headers.precedence)) == "auto_reply";
  // Mail to a list says "out of office" or "please confirm" in its own voice; only an RFC 3834
  // mark makes it an auto-reply.
  if (headers.list_mail && !replied && !marked) return std::nullopt;
  // Challenge-response systems mark themselves like vacation responders; their wording decides.
  if (matches(signals.challenge_subject, text.subject) ||
      matches(signals.challenge_body,
              text.own_body.substr(0, std::min<size_t>(text.own_body.size(), 4096)))) {
    return AutoReplySignal{"challenge_response", false};
  }
  if (marked) return AutoReplySignal{"vacation", true};
  if (replied || headers.exchange_rule_reply) return AutoReplySignal{"vacation", true, true};
  // The vacation words must be the responder's: after a bounce's own subject words they are the
  // returned original's subject ("Undeliverable: Out of Office: ...").
  if (signals.vacation_subject) {
    re2::StringPiece found;
    const re2::StringPiece subject(text.subject.data(), text.subject.size());
    if (signals.vacation_subject->Match(subject, 0, subject.size(), re2::RE2::UNANCHORED, &found,
                                        1)) {
      const auto at = static_cast<size_t>(found.data() - subject.data());
      if (!text.quotes_bounce_subject || at == 0 ||
          !text.quotes_bounce_subject(text.subject.substr(0, at))) {
        return AutoReplySignal{"vacation", false};
      }
    }
  }
  // The responder's own sentence opens the body; a quoted original further down must not count.
  if (matches(signals.vacation_body, opening)) return AutoReplySignal{"vacation", false};
  return std::nullopt;
}

}  // namespace bounced::classifiers
