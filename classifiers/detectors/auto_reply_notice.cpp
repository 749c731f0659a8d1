#include "auto_reply_notice.hpp"

#include "auto_reply.hpp"
#include "text_util.hpp"

namespace bounced::classifiers {

namespace {

std::optional<AutoReplySignal> signal_of(const Notice& notice) {
  // Most notices are bounces from a system sender: decided before any header is looked up.
  if (is_system_sender(notice.from())) return std::nullopt;
  if (!notice.header("X-Failed-Recipients").empty()) return std::nullopt;
  AutoReplyHeaders headers;
  headers.auto_submitted = notice.header("Auto-Submitted");
  headers.precedence = notice.header("Precedence");
  for (const char* name : {"X-Autoreply", "X-Autorespond", "X-Autoresponder", "X-Vacation"}) {
    if (!notice.header(name).empty()) headers.vendor_marker = true;
  }
  return auto_reply_signal(headers, notice.from(), notice.subject(), notice.body(),
                           notice.catalog().auto_reply());
}

}  // namespace

Confidence AutoReplyDetector::claim(const Notice& notice) const {
  const auto signal = signal_of(notice);
  if (!signal) return Confidence::none;
  return signal->by_header ? Confidence::header : Confidence::wording;
}

std::optional<BounceReport> AutoReplyDetector::read(const Notice& notice,
                                                    BounceReport report) const {
  const auto signal = signal_of(notice);
  if (!signal) return std::nullopt;
  report.kind = ReportKind::auto_reply;
  report.format = "rfc3834";
  report.subtype = signal->subtype;
  RecipientStatus r;
  r.address = normalize_address(notice.from());
  r.action = signal->subtype == "vacation" ? "auto-replied" : "challenge";
  r.diagnostic = collapse_whitespace(notice.subject());
  if (!r.address.empty()) report.recipients.push_back(std::move(r));
  return report;
}

}  // namespace bounced::classifiers
