#include "apple_unsubscribe.hpp"

#include "text_util.hpp"

namespace bounced::classifiers {

Confidence AppleUnsubscribeDetector::claim(const Notice& notice) const {
  return iequals(trim(notice.header("X-Apple-Unsubscribe")), "true") ? Confidence::header
                                                                     : Confidence::none;
}

std::optional<BounceReport> AppleUnsubscribeDetector::read(const Notice& notice,
                                                           BounceReport report) const {
  std::string address = normalize_address(notice.from());
  if (address.empty()) return std::nullopt;
  report.kind = ReportKind::arf;
  report.format = "apple-unsubscribe";
  report.subtype = "opt-out";
  RecipientStatus r;
  r.action = "failed";
  r.feedback_type = "opt-out";
  r.address = std::move(address);
  r.diagnostic = "feedback-type=opt-out (Apple Mail unsubscribe)";
  report.recipients.push_back(std::move(r));
  return report;
}

}  // namespace bounced::classifiers
