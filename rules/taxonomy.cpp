#include "taxonomy.hpp"

#include <array>

namespace bounced::rules {

namespace {

using enum Category;

// Hard means "this address will never accept mail": only a recipient or domain that does not
// exist, has moved, or publishes that it takes no mail. A disabled or suspended mailbox can come
// back, a blocklisting ends; those are soft, and the suppression policy decides how many soft
// failures are enough.
constexpr std::array kReasons = {
    ReasonInfo{"user_unknown", hard, "the mailbox does not exist", "5.1.1", "Permanent/NoEmail", 10,
               "bad-mailbox"},
    ReasonInfo{"domain_unknown", hard, "the recipient domain does not exist or has no mail host",
               "5.1.2", "Permanent/General", 21, "bad-domain"},
    ReasonInfo{"address_invalid", hard, "the address is syntactically invalid", "5.1.3",
               "Permanent/General", 10, "bad-mailbox"},
    ReasonInfo{"has_moved", hard, "the mailbox has moved and no forwarding exists", "5.1.6",
               "Permanent/General", 10, "bad-mailbox"},
    ReasonInfo{"not_accepting_mail", hard, "the domain accepts no mail (null MX, RFC 7505)",
               "5.1.10", "Permanent/General", 21, "bad-domain"},
    ReasonInfo{"mailbox_disabled", soft,
               "the mailbox exists but is disabled, suspended or inactive", "5.2.1",
               "Permanent/General", 25, "inactive-mailbox"},
    ReasonInfo{"mailbox_full", quota, "the mailbox is over its quota", "5.2.2",
               "Transient/MailboxFull", 22, "quota-issues"},
    ReasonInfo{"message_too_large", soft, "the message exceeds a size limit", "5.3.4",
               "Transient/MessageTooLarge", 23, "message-too-large"},
    ReasonInfo{"blocked_reputation", soft,
               "the sending IP or domain is blocked for its reputation or a blocklist", "5.7.1",
               "Transient/General", 50, "spam-related"},
    ReasonInfo{"spam_content", soft, "the content was judged to be spam", "5.7.1",
               "Transient/ContentRejected", 52, "spam-related"},
    ReasonInfo{"virus_content", soft, "a virus or prohibited attachment was found", "5.7.1",
               "Transient/AttachmentRejected", 53, "virus-related"},
    ReasonInfo{"content_rejected", soft, "the content or its format was refused (not spam)",
               "5.6.0", "Transient/ContentRejected", 52, "content-related"},
    ReasonInfo{"policy_auth", soft, "SPF, DKIM or DMARC authentication failed", "5.7.26",
               "Transient/General", 51, "policy-related"},
    ReasonInfo{"policy_rejected", soft, "refused by a local policy of the receiver", "5.7.1",
               "Transient/General", 50, "policy-related"},
    ReasonInfo{"sender_rejected", soft, "the envelope sender or its domain was refused", "5.1.8",
               "Transient/General", 50, "invalid-sender"},
    ReasonInfo{"ptr_required", soft, "the sending IP lacks valid reverse DNS", "5.7.25",
               "Transient/General", 50, "bad-configuration"},
    ReasonInfo{"not_compliant", soft,
               "the message does not comply with RFC 5322 or the receiver's format rules", "5.6.0",
               "Transient/ContentRejected", 52, "content-related"},
    ReasonInfo{"rate_limited", soft, "too many messages or recipients in a period", "4.7.0",
               "Transient/General", 50, "policy-related"},
    ReasonInfo{"too_many_connections", soft, "too many concurrent connections", "4.7.0",
               "Transient/General", 20, "bad-connection"},
    ReasonInfo{"greylisted", soft, "greylisting: try again later", "4.7.1", "Transient/General", 20,
               "policy-related"},
    ReasonInfo{"expired", soft, "delivery was retried until the queue lifetime expired", "4.4.7",
               "Transient/General", 24, "message-expired"},
    ReasonInfo{"delayed", soft, "delivery is delayed and still being retried", "4.4.7",
               "Transient/General", 20, "message-expired"},
    ReasonInfo{"network_error", soft,
               "connection, DNS or routing failure on the way to the receiver", "4.4.1",
               "Transient/General", 24, "no-answer-from-host"},
    ReasonInfo{"tls_error", soft, "TLS was required or failed", "5.7.10", "Transient/General", 20,
               "bad-connection"},
    ReasonInfo{"relay_denied", soft, "the receiver will not relay for this sender or recipient",
               "5.7.1", "Transient/General", 54, "relaying-issues"},
    ReasonInfo{"protocol_error", soft, "an SMTP syntax or sequence error", "5.5.2",
               "Transient/General", 25, "protocol-errors"},
    ReasonInfo{"system_error", soft, "a fault on the receiving system", "4.3.0",
               "Transient/General", 20, "other"},
    ReasonInfo{"system_full", soft, "the receiving system is out of storage", "4.3.1",
               "Transient/General", 20, "other"},
    ReasonInfo{
        "filtered", soft,
        "refused after DATA in recipient words: a content filter spoke, the mailbox may exist",
        "5.7.1", "Transient/ContentRejected", 40, "content-related"},
    ReasonInfo{"mailer_error", soft, "a local delivery program failed", "5.3.0",
               "Transient/General", 25, "other"},
    ReasonInfo{"vacation", auto_reply, "an out-of-office or vacation reply (RFC 3834)", "", "", 60,
               ""},
    ReasonInfo{"challenge_response", auto_reply,
               "a challenge-response system asks the sender to confirm", "", "", 100, ""},
    ReasonInfo{"abuse", complaint, "the recipient reported the message as spam (ARF abuse)", "",
               "abuse", 0, ""},
    ReasonInfo{"fraud", complaint, "reported as fraud or phishing (ARF fraud)", "", "fraud", 0, ""},
    ReasonInfo{"virus_report", complaint, "reported as carrying a virus (ARF virus)", "", "virus",
               0, ""},
    ReasonInfo{"auth_failure_report", complaint,
               "an authentication failure report (ARF auth-failure)", "", "auth-failure", 0, ""},
    ReasonInfo{"not_spam", complaint, "the recipient marked the message as not spam (ARF not-spam)",
               "", "not-spam", 0, ""},
    ReasonInfo{"unsubscribe", complaint, "an opt-out request (ARF opt-out)", "", "other", 90, ""},
    ReasonInfo{"other_feedback", complaint, "another kind of feedback report", "", "other", 0, ""},
    ReasonInfo{"delivered", delivered, "delivered, relayed or expanded (DSN action)", "2.0.0", "",
               0, ""},
    ReasonInfo{"unclassified", unknown, "no rule and no status code decided", "",
               "Undetermined/Undetermined", 1, "other"},
};

}  // namespace

std::string_view to_string(Category category) {
  switch (category) {
    case hard:
      return "hard";
    case soft:
      return "soft";
    case quota:
      return "quota";
    case auto_reply:
      return "auto_reply";
    case complaint:
      return "complaint";
    case delivered:
      return "delivered";
    case unknown:
      return "unknown";
  }
  return "unknown";
}

std::optional<Category> parse_category(std::string_view name) {
  for (Category c : {hard, soft, quota, auto_reply, complaint, delivered, unknown}) {
    if (to_string(c) == name) return c;
  }
  return std::nullopt;
}

std::span<const ReasonInfo> all_reasons() {
  return kReasons;
}

const ReasonInfo* find_reason(std::string_view name) {
  for (const auto& reason : kReasons) {
    if (reason.name == name) return &reason;
  }
  return nullptr;
}

}  // namespace bounced::rules
