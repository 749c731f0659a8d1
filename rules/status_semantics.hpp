// The last resort when no rule matched: what RFC 3463 enhanced status codes and RFC 5321 reply
// codes mean on their own.
#pragma once

#include <optional>
#include <string_view>

#include "taxonomy.hpp"

namespace bounced::rules {

struct StatusMeaning {
  Category category;
  std::string_view reason;
};

// "5.1.1" -> hard/user_unknown, "4.2.2" -> quota/mailbox_full, "5.7.1" -> soft/policy_rejected,
// "5.0.0" -> nullopt (it says only "permanent failure").
std::optional<StatusMeaning> meaning_of_status(std::string_view status);

// The meaning of a status whose detail names a reason of its own (RFC 3463 x.1.1 user unknown,
// x.2.2 mailbox full, x.4.7 expired, ...): what a wording that names no reason ("rejected",
// "service unavailable") gives way to. nullopt for x.0.0 and for a class known only by its subject.
std::optional<StatusMeaning> specific_meaning_of_status(std::string_view status);

// Reply code alone: 552 -> quota? No: 552 is also "message too large"; only codes with one
// meaning are mapped (421 -> soft, 450/451/452 -> soft, 554 -> soft policy). nullopt otherwise.
std::optional<StatusMeaning> meaning_of_reply_code(std::string_view reply_code);

}  // namespace bounced::rules
