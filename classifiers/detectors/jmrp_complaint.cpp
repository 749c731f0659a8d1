#include "jmrp_complaint.hpp"

#include "feedback_report.hpp"
#include "original_message.hpp"
#include "text_util.hpp"

namespace bounced::classifiers {

Confidence JmrpComplaintDetector::claim(const Notice& notice) const {
  return is_jmrp_complaint(notice.subject()) && notice.parts().original_part != nullptr
             ? Confidence::layout
             : Confidence::none;
}

std::optional<BounceReport> JmrpComplaintDetector::read(const Notice& notice,
                                                        BounceReport report) const {
  // Hotmail names the complaining recipient in a header of its own.
  const auto marked =
      original_from_header_text(notice.parts().original_headers, {"X-HmXmrOriginalRecipient"});
  std::string address =
      marked.headers.empty() ? std::string() : normalize_address(marked.headers.front().second);
  if (address.empty()) address = normalize_address(report.original.to);
  if (address.empty()) return std::nullopt;
  report.kind = ReportKind::arf;
  report.format = "jmrp";
  report.subtype = "abuse";
  RecipientStatus r;
  r.action = "failed";
  r.feedback_type = "abuse";
  r.address = std::move(address);
  r.diagnostic = "feedback-type=abuse (Microsoft JMRP)";
  report.recipients.push_back(std::move(r));
  return report;
}

}  // namespace bounced::classifiers
