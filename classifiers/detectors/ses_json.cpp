#include "ses_json.hpp"

#include "ses_notification.hpp"

namespace bounced::classifiers {

Confidence SesJsonDetector::claim(const Notice& notice) const {
  // The JSON is parsed only by read(); a body that merely mentions the key falls through there.
  const std::string_view body = notice.body();
  const bool names_type = body.find("notificationType") != std::string_view::npos ||
                          body.find("eventType") != std::string_view::npos;
  return names_type ? Confidence::report : Confidence::none;
}

std::optional<BounceReport> SesJsonDetector::read(const Notice& notice,
                                                  BounceReport envelope) const {
  auto report = read_ses_notification(notice.body());
  if (!report) return std::nullopt;
  report->message_id = envelope.message_id;
  report->from = envelope.from;
  report->subject = envelope.subject;
  report->date = envelope.date;
  report->envelope_recipient = envelope.envelope_recipient;
  report->verp = envelope.verp;
  report->warnings = std::move(envelope.warnings);
  return report;
}

}  // namespace bounced::classifiers
