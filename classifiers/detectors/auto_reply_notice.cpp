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
  headers.exchange_rule_reply =
      !notice.header("X-MS-Exchange-Inbox-Rules-Loop").empty() &&
      to_lower(notice.header("X-Auto-Response-Suppress")).find("all") != std::string::npos;
  headers.list_mail = to_lower(trim(headers.precedence)) == "list";
  for (const char* name : {"List-Id", "List-Unsubscribe", "List-Post"}) {
    if (!notice.header(name).empty()) headers.list_mail = true;
  }
  const FormatCatalog& catalog = notice.catalog();
  AutoReplyText text;
  text.subject = notice.subject();
  // Only the opening is read (1 KiB for vacation, 4 KiB for challenge wording), so the marker of
  // a returned original is looked for there too.
  const std::string_view opening = notice.body().substr(0, 4096);
  text.own_body = opening.substr(0, catalog.find_original_marker(opening));
  text.quotes_bounce_subject = [&catalog](std::string_view prefix) {
    return catalog.detect({}, prefix, {}).format != nullptr;
  };
  return auto_reply_signal(headers, notice.from(), text, catalog.auto_reply());
}

}  // namespace

Confidence AutoReplyDetector::claim(const Notice& notice) const {
  const auto signal = signal_of(notice);
  if (!signal) return Confidence::none;
  if (!signal->by_header) return Confidence::wording;
  // A header that bounces carry too yields to an MTA template's own sentences in the body: a
  // bounce from an unnamed gateway returning an out-of-office reply stays a bounce.
  if (signal->mark_shared_with_bounces && notice.prose_format().by_layout) {
    return Confidence::wording;
  }
  return Confidence::header;
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
