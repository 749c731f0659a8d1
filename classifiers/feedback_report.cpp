#include "feedback_report.hpp"

#include "delivery_status.hpp"
#include "text_util.hpp"

namespace bounced::classifiers {

RecipientStatus read_feedback_report(std::string_view text, const OriginalMessage& original) {
  const DeliveryStatus fields = parse_delivery_status(text);
  // The feedback report is one block; parse_delivery_status files it as per-message, or as a
  // recipient block when it carries Original-Rcpt-To.
  FieldBlock block = fields.per_message;
  for (const auto& recipient_block : fields.per_recipient) {
    for (const auto& [name, value] : recipient_block.fields()) block.add(name, value);
  }
  RecipientStatus r;
  r.action = "failed";
  r.feedback_type = to_lower(trim(block.get("Feedback-Type")));
  r.address = normalize_address(block.get("Original-Rcpt-To"));
  if (r.address.empty()) r.address = normalize_address(block.get("Removal-Recipient"));
  if (r.address.empty()) r.address = normalize_address(original.to);
  r.diagnostic = collapse_whitespace(std::string("feedback-type=") + r.feedback_type +
                                     (block.get("User-Agent").empty()
                                          ? ""
                                          : " user-agent=" + std::string(block.get("User-Agent"))));
  r.remote_mta = to_lower(strip_type_prefix(block.get("Reporting-MTA")));
  return r;
}

bool is_jmrp_complaint(std::string_view subject) {
  return to_lower(subject).find("complaint about message from") != std::string::npos;
}

}  // namespace bounced::classifiers
