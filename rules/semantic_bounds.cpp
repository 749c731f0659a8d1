#include "semantic_bounds.hpp"

#include <array>

namespace bounced::rules {

namespace {

// Reasons that describe the recipient's mailbox or domain. Said before RCPT TO, or under a sender
// status, the same words describe the sender (Exim's "after MAIL FROM: 550 5.1.1 User unknown"
// is the sender's address unknown at the receiver) or the client.
bool describes_recipient(std::string_view reason) {
  static constexpr std::array kRecipientReasons = {
      std::string_view{"user_unknown"},       std::string_view{"domain_unknown"},
      std::string_view{"address_invalid"},    std::string_view{"has_moved"},
      std::string_view{"not_accepting_mail"}, std::string_view{"mailbox_full"},
      std::string_view{"mailbox_disabled"},   std::string_view{"filtered"}};
  for (std::string_view r : kRecipientReasons) {
    if (r == reason) return true;
  }
  return false;
}

// RFC 3463 x.1.7 "bad sender's mailbox address syntax", x.1.8 "bad sender's system address".
bool is_sender_status(std::string_view status) {
  return status.size() == 5 && (status.substr(1) == ".1.7" || status.substr(1) == ".1.8");
}

bool is_temporary(std::string_view status, std::string_view reply_code) {
  if (!status.empty()) return status.front() == '4';
  return !reply_code.empty() && reply_code.front() == '4';
}

}  // namespace

std::optional<SemanticBound> semantic_bound(Category category, std::string_view reason,
                                            const FailureFacts& facts) {
  const bool about_recipient =
      (category == Category::hard || category == Category::quota || category == Category::soft) &&
      describes_recipient(reason);
  if (about_recipient && facts.command == "MAIL") {
    return SemanticBound{Category::soft, "sender_rejected",
                         "refused at MAIL FROM: the sender, not the recipient"};
  }
  if (about_recipient && is_sender_status(facts.status)) {
    return SemanticBound{Category::soft, "sender_rejected",
                         "RFC 3463 x.1.7/x.1.8 name the sender, not the recipient"};
  }
  // A host that says at its greeting that it takes no mail (RFC 7504 521, RFC 5321 "554 No SMTP
  // service here") speaks for every recipient it serves: that one stays.
  if (about_recipient && reason != "not_accepting_mail" &&
      (facts.command == "CONN" || facts.command == "HELO")) {
    return SemanticBound{Category::soft, "policy_rejected",
                         "refused before RCPT TO: the client, not the recipient"};
  }
  if (category == Category::hard && !facts.final && is_temporary(facts.status, facts.reply_code)) {
    return SemanticBound{Category::soft, {}, "temporary failure (4xx): never hard", true};
  }
  return std::nullopt;
}

}  // namespace bounced::rules
