#include "detector_list.hpp"

#include "apple_unsubscribe.hpp"
#include "arf_report.hpp"
#include "auto_reply_notice.hpp"
#include "dsn_report.hpp"
#include "forwarded_report.hpp"
#include "jmrp_complaint.hpp"
#include "prose_bounce.hpp"
#include "ses_json.hpp"

namespace bounced::classifiers {

std::string_view to_string(Confidence confidence) {
  switch (confidence) {
    case Confidence::none:
      return "none";
    case Confidence::wording:
      return "wording";
    case Confidence::layout:
      return "layout";
    case Confidence::header:
      return "header";
    case Confidence::report:
      return "report";
  }
  return "none";
}

DetectorList standard_detectors() {
  DetectorList list;
  // Machine-readable reports. A feedback report is a complaint whatever else the mail holds; an
  // SES notification is checked before a delivery-status part only because SES never sends one.
  list.push_back(std::make_unique<ArfReportDetector>());
  list.push_back(std::make_unique<SesJsonDetector>());
  list.push_back(std::make_unique<DsnReportDetector>());
  // A report attached to a notice that has none of its own (a gateway's bounce of a bounce).
  list.push_back(std::make_unique<ForwardedReportDetector>());
  // Headers set for one kind of mail.
  list.push_back(std::make_unique<AppleUnsubscribeDetector>());
  // Before prose: at equal confidence a vacation subject is taken over a bounce subject, since
  // the auto-reply detector already refuses system senders and X-Failed-Recipients.
  list.push_back(std::make_unique<AutoReplyDetector>());
  list.push_back(std::make_unique<JmrpComplaintDetector>());
  // Prose bounces: the format catalog, most specific layout first.
  list.push_back(std::make_unique<ProseBounceDetector>());
  return list;
}

}  // namespace bounced::classifiers
