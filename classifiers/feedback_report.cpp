#include "feedback_report.hpp"

#include "delivery_status.hpp"
#include "text_util.hpp"

namespace bounced::classifiers {

std::vector<RecipientStatus> read_feedback_report(std::string_view text,
                                                  const OriginalMessage& original) {
  const DeliveryStatus fields = parse_delivery_status(text);
  // The feedback report is one block; parse_delivery_status files it as per-message, or as a
  // recipient block when it carries Original-Rcpt-To.
  FieldBlock block = fields.per_message;
  for (const auto& recipient_block : fields.per_recipient) {
    for (const auto& [name, value] : recipient_block.fields()) block.add(name, value);
  }
  RecipientStatus complaint;
  complaint.action = "failed";
  complaint.feedback_type = to_lower(trim(block.get("Feedback-Type")));
  complaint.diagnostic = collapse_whitespace(
      std::string("feedback-type=") + complaint.feedback_type +
      (block.get("User-Agent").empty() ? ""
                                       : " user-agent=" + std::string(block.get("User-Agent"))));
  complaint.remote_mta = to_lower(strip_type_prefix(block.get("Reporting-MTA")));

  std::vector<std::string> addresses;
  auto add = [&](std::string_view raw) {
    std::string address = normalize_address(raw);
    if (address.empty()) return;
    for (const auto& known : addresses) {
      if (iequals(known, address)) return;
    }
    addresses.push_back(std::move(address));
  };
  for (std::string_view value : block.get_all("Original-Rcpt-To")) add(value);
  if (addresses.empty()) {
    for (std::string_view value : block.get_all("Removal-Recipient")) add(value);
  }
  if (addresses.empty()) add(original.to);

  std::vector<RecipientStatus> complaints;
  if (addresses.empty()) {
    complaints.push_back(std::move(complaint));
    return complaints;
  }
  for (auto& address : addresses) {
    RecipientStatus r = complaint;
    r.address = std::move(address);
    complaints.push_back(std::move(r));
  }
  return complaints;
}

bool is_jmrp_complaint(std::string_view subject) {
  return to_lower(subject).find("complaint about message from") != std::string::npos;
}

}  // namespace bounced::classifiers
