#include "dsn_report.hpp"

#include <algorithm>

#include "delivery_status.hpp"
#include "dsn_recipients.hpp"
#include "original_message.hpp"
#include "recipient_context.hpp"
#include "smtp_reply.hpp"
#include "text_bounce_reader.hpp"
#include "text_util.hpp"

namespace bounced::classifiers {

namespace {

// Some MTAs leave Diagnostic-Code out and explain only in the human-readable part: read that
// part as prose and give each such recipient what it says about them.
void explain_from_text(const Notice& notice, std::vector<RecipientStatus>& recipients) {
  TextBounceInput input{notice.body(), {}, {}, notice.options().limits.max_recipients};
  for (auto& r : recipients) input.failed_recipients.push_back(to_lower(r.address));
  const auto explained = read_text_bounce(notice.catalog(), notice.prose_format().format, input);
  for (auto& r : recipients) {
    if (!r.diagnostic.empty()) continue;
    for (const auto& e : explained) {
      if (!iequals(e.address, r.address)) continue;
      r.diagnostic = e.diagnostic;
      if (r.reply_code.empty()) r.reply_code = e.reply_code;
      if (r.status.empty() || (!rules::is_specific_status(r.status) && !e.status.empty() &&
                               e.status[0] == r.status[0])) {
        if (!e.status.empty()) r.status = e.status;
      }
    }
  }
}

}  // namespace

Confidence DsnReportDetector::claim(const Notice& notice) const {
  if (notice.parts().delivery_status.empty()) return Confidence::none;
  return notice.delivery_status_inline() ? Confidence::layout : Confidence::report;
}

std::optional<BounceReport> DsnReportDetector::read(const Notice& notice,
                                                    BounceReport report) const {
  const DeliveryStatus status =
      parse_delivery_status(notice.parts().delivery_status, notice.options().limits.max_recipients);
  report.recipients = read_delivery_status(status);
  if (report.recipients.empty()) return std::nullopt;
  report.reporting_mta = to_lower(strip_type_prefix(status.per_message.get("Reporting-MTA")));
  report.format = "rfc3464";
  report.kind = all_delivered(report.recipients) ? ReportKind::delivered : ReportKind::dsn;
  const std::string_view body = notice.body();
  const bool needs_text =
      std::any_of(report.recipients.begin(), report.recipients.end(),
                  [](const RecipientStatus& r) { return r.diagnostic.empty(); });
  if (needs_text && !body.empty()) explain_from_text(notice, report.recipients);
  add_last_error(report.recipients, notice.catalog(), body);
  if (report.original.message_id.empty() && !body.empty()) {
    report.original = original_from_inline_text(body, notice.options().original_headers);
  }
  fill_smtp_commands(report.recipients, body);
  return report;
}

}  // namespace bounced::classifiers
