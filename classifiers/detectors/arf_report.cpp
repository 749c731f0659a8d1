#include "arf_report.hpp"

#include "feedback_report.hpp"

namespace bounced::classifiers {

Confidence ArfReportDetector::claim(const Notice& notice) const {
  return notice.parts().feedback_report.empty() ? Confidence::none : Confidence::report;
}

std::optional<BounceReport> ArfReportDetector::read(const Notice& notice,
                                                    BounceReport report) const {
  report.kind = ReportKind::arf;
  report.format = "arf";
  report.recipients = read_feedback_report(notice.parts().feedback_report, report.original);
  report.subtype = report.recipients.front().feedback_type;
  return report;
}

}  // namespace bounced::classifiers
