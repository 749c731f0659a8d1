// The layers of SMTP meaning that bound what a wording may conclude about the recipient. A rule
// reads words; these read where the refusal happened and what class of failure it was, and they
// win over the words (rules/README.md, "Precedence"):
//   1. the SMTP stage (RFC 5321 section 3.3): the recipient is named only by RCPT TO, so a refusal
//      of the connection, the greeting, HELO/EHLO or MAIL FROM is no verdict on the mailbox;
//   2. the enhanced status (RFC 3463 section 3.2): x.1.7 and x.1.8 name the sender's address and
//      the sender's system, never the recipient;
//   3. the reply class (RFC 5321 section 4.2.1): a 4yz reply is transient and never a reason to
//      drop an address - unless the sending MTA stopped retrying and quotes it as the final cause
//      (an expiry notice whose last error says why, see `yields_to` in bounced-rules(5)).
#pragma once

#include <optional>
#include <string_view>

#include "taxonomy.hpp"

namespace bounced::rules {

struct SemanticBound {
  Category category;
  std::string_view reason;  // empty: the rule's reason stands
  std::string_view why;     // one line for `bounced explain`
  bool temporary = false;   // the bound is the 4yz downgrade
};

struct FailureFacts {
  std::string_view command;     // "CONN", "HELO", "MAIL", "RCPT", "DATA" or ""
  std::string_view status;      // "5.1.8" or ""
  std::string_view reply_code;  // "553" or ""
  bool final = false;           // retries ran out and the quoted error decided
};

// nullopt when the verdict stands; otherwise the category and reason it must become.
std::optional<SemanticBound> semantic_bound(Category category, std::string_view reason,
                                            const FailureFacts& facts);

}  // namespace bounced::rules
