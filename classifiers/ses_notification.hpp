// Amazon SES bounce/complaint/delivery notifications delivered by Amazon SNS as email: the body
// is one JSON object (notificationType, bounce.bouncedRecipients[], mail.commonHeaders, ...).
// Senders that use SES often point the SNS topic at the same bounce mailbox.
#pragma once

#include <optional>
#include <string_view>

#include "report.hpp"

namespace bounced::classifiers {

// A report when body holds an SES notification, nullopt otherwise.
std::optional<BounceReport> read_ses_notification(std::string_view body);

}  // namespace bounced::classifiers
