#include "status_semantics.hpp"

#include <string>

namespace bounced::rules {

namespace {
using enum Category;
}

std::optional<StatusMeaning> meaning_of_status(std::string_view status) {
  if (status.size() < 5 || status[1] != '.') return std::nullopt;
  const char cls = status[0];
  if (cls == '2') return StatusMeaning{delivered, "delivered"};
  if (cls != '4' && cls != '5') return std::nullopt;
  const size_t second_dot = status.find('.', 2);
  if (second_dot == std::string_view::npos) return std::nullopt;
  const std::string_view subject = status.substr(2, second_dot - 2);
  const std::string_view detail = status.substr(second_dot + 1);
  const std::string code = std::string(subject) + "." + std::string(detail);
  // RFC 3463 section 3, with the RFC 7505 / RFC 7372 / RFC 8616 additions.
  if (code == "1.1") return StatusMeaning{hard, "user_unknown"};
  if (code == "1.2") return StatusMeaning{hard, "domain_unknown"};
  if (code == "1.3") return StatusMeaning{hard, "address_invalid"};
  if (code == "1.4") return StatusMeaning{hard, "user_unknown"};  // ambiguous destination
  if (code == "1.6") return StatusMeaning{hard, "has_moved"};
  if (code == "1.7" || code == "1.8") return StatusMeaning{soft, "sender_rejected"};
  if (code == "1.10") return StatusMeaning{hard, "not_accepting_mail"};
  if (code == "2.1") return StatusMeaning{soft, "mailbox_disabled"};
  if (code == "2.2") return StatusMeaning{quota, "mailbox_full"};
  if (code == "2.3") return StatusMeaning{soft, "message_too_large"};
  if (code == "3.1") return StatusMeaning{soft, "system_full"};
  if (code == "3.4") return StatusMeaning{soft, "message_too_large"};
  if (code == "4.4" || code == "4.0") return StatusMeaning{soft, "network_error"};
  if (code == "4.6") return StatusMeaning{soft, "network_error"};  // routing loop
  if (code == "4.7") return StatusMeaning{soft, "expired"};
  if (code == "5.3") return StatusMeaning{soft, "rate_limited"};  // too many recipients
  if (code == "7.10" || code == "7.11") return StatusMeaning{soft, "tls_error"};
  if (code == "7.23" || code == "7.24" || code == "7.25" || code == "7.26" || code == "7.27" ||
      code == "7.7") {
    return code == "7.25" ? StatusMeaning{soft, "ptr_required"}
                          : StatusMeaning{soft, "policy_auth"};
  }
  if (code == "7.28") return StatusMeaning{soft, "rate_limited"};
  if (code == "7.1") return StatusMeaning{soft, "policy_rejected"};
  if (code == "6.0" || code == "6.1") return StatusMeaning{soft, "content_rejected"};
  if (subject == "1") return StatusMeaning{soft, "address_invalid"};
  if (subject == "2") return StatusMeaning{soft, "mailbox_disabled"};
  if (subject == "3") return StatusMeaning{soft, "system_error"};
  if (subject == "4") return StatusMeaning{soft, "network_error"};
  if (subject == "5") return StatusMeaning{soft, "protocol_error"};
  if (subject == "6") return StatusMeaning{soft, "content_rejected"};
  if (subject == "7") return StatusMeaning{soft, "policy_rejected"};
  // x.0.0 says only "temporary" or "permanent": a temporary failure is soft whatever it was,
  // a permanent one is left undecided rather than guessed hard.
  if (cls == '4') return StatusMeaning{soft, "system_error"};
  return std::nullopt;
}

std::optional<StatusMeaning> specific_meaning_of_status(std::string_view status) {
  const size_t second_dot = status.find('.', 2);
  if (second_dot == std::string_view::npos || status.substr(second_dot + 1) == "0") {
    return std::nullopt;
  }
  // x.y.z with z > 0 and in RFC 3463's table: the subject-level guesses of meaning_of_status
  // (x.5.9 -> protocol_error) are too vague to overrule any wording.
  static constexpr std::string_view kSpecific[] = {
      "1.1",  "1.2",  "1.3",  "1.4",  "1.6",  "1.7",  "1.8", "1.10", "2.1",
      "2.2",  "2.3",  "3.1",  "3.4",  "4.4",  "4.6",  "4.7", "5.3",  "7.10",
      "7.11", "7.23", "7.24", "7.25", "7.26", "7.27", "7.7", "7.28"};
  const std::string_view code = status.substr(2);
  for (std::string_view specific : kSpecific) {
    if (code == specific) return meaning_of_status(status);
  }
  return std::nullopt;
}

std::optional<StatusMeaning> meaning_of_reply_code(std::string_view reply_code) {
  if (reply_code.size() != 3) return std::nullopt;
  if (reply_code[0] == '2') return StatusMeaning{delivered, "delivered"};
  if (reply_code == "421") return StatusMeaning{soft, "system_error"};
  if (reply_code == "450" || reply_code == "451") return StatusMeaning{soft, "system_error"};
  if (reply_code == "452") return StatusMeaning{soft, "system_full"};
  if (reply_code[0] == '4') return StatusMeaning{soft, "system_error"};
  if (reply_code == "551") return StatusMeaning{hard, "has_moved"};
  // 553 "mailbox name not allowed" is used as often for policy (relay lists, blocklists) as for
  // a bad address: alone, without a status or words that say which, it is not proof enough to
  // drop an address for good.
  if (reply_code == "553") return StatusMeaning{soft, "address_invalid"};
  if (reply_code == "554") return StatusMeaning{soft, "policy_rejected"};
  if (reply_code == "500" || reply_code == "501" || reply_code == "502" || reply_code == "503" ||
      reply_code == "504") {
    return StatusMeaning{soft, "protocol_error"};
  }
  return std::nullopt;
}

}  // namespace bounced::rules
