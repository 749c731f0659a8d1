// RFC 5965 feedback reports (ARF) and Microsoft's JMRP complaints.
#pragma once

#include <string_view>
#include <vector>

#include "report.hpp"

namespace bounced::classifiers {

// One complaint per reported recipient of a message/feedback-report part: every
// Original-Rcpt-To (RFC 5965 section 3.2 lets it repeat), else Removal-Recipient, else the
// returned original's To. A report naming nobody yields one complaint without an address.
std::vector<RecipientStatus> read_feedback_report(std::string_view text,
                                                  const OriginalMessage& original);

// Hotmail/Outlook.com JMRP complaints: a message/rfc822 with the reported mail and a subject
// "complaint about message from IP", but no message/feedback-report part.
bool is_jmrp_complaint(std::string_view subject);

}  // namespace bounced::classifiers
