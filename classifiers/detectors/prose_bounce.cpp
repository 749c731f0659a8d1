#include "prose_bounce.hpp"

#include "dsn_recipients.hpp"
#include "original_message.hpp"
#include "recipient_context.hpp"
#include "smtp_reply.hpp"
#include "text_bounce_reader.hpp"
#include "text_util.hpp"

namespace bounced::classifiers {

namespace {

// A diagnostic longer than this is prose we do not need; rules match on its start.
constexpr size_t kMaxDiagnostic = 1500;

}  // namespace

Confidence ProseBounceDetector::claim(const Notice& notice) const {
  if (!notice.header("X-Failed-Recipients").empty()) return Confidence::header;
  const FormatMatch& match = notice.prose_format();
  if (match.format == nullptr) return Confidence::none;
  return match.by_layout ? Confidence::layout : Confidence::wording;
}

std::optional<BounceReport> ProseBounceDetector::read(const Notice& notice,
                                                      BounceReport report) const {
  const std::string_view body = notice.body();
  const FormatCatalog& catalog = notice.catalog();
  const TextBounceFormat* format = notice.prose_format().format;
  TextBounceInput input{body,
                        {},
                        addresses_in_list(notice.header("X-Failed-Recipients")),
                        notice.options().limits.max_recipients};
  // Delivered-To/X-Original-To are left out: some MTAs put the failed recipient there.
  for (const char* name : {"To", "From", "Return-Path"}) {
    for (auto& address : addresses_in_list(notice.header(name))) {
      input.sender_addresses.push_back(std::move(address));
    }
  }
  if (report.original.message_id.empty()) {
    const size_t marker = catalog.find_original_marker(body);
    report.original =
        original_from_inline_text(marker == std::string_view::npos ? body : body.substr(marker),
                                  notice.options().original_headers);
  }
  for (auto& address : addresses_in_list(report.original.from)) {
    input.sender_addresses.push_back(std::move(address));
  }
  report.recipients = read_text_bounce(catalog, format, input);
  // A bounce that names nobody in its failure text (an MMS gateway's "No valid recipients")
  // failed for the returned original's single recipient.
  if (report.recipients.empty() && format != nullptr &&
      addresses_in_list(report.original.to).size() == 1) {
    RecipientStatus r;
    r.address = normalize_address(report.original.to);
    r.action = "failed";
    const std::string_view section = failure_section(catalog, format, body);
    r.diagnostic = collapse_whitespace(section);
    truncate_utf8(r.diagnostic, kMaxDiagnostic);
    const rules::SmtpReply reply = rules::find_smtp_reply(section);
    r.reply_code = reply.reply_code;
    r.status = reply.status;
    if (!r.address.empty()) report.recipients.push_back(std::move(r));
  }
  if (report.recipients.empty()) return std::nullopt;
  // A success notice (every recipient delivered) reports no failure, as a DSN of delivered
  // recipients does not.
  report.kind = all_delivered(report.recipients) ? ReportKind::delivered : ReportKind::non_dsn;
  report.format = format != nullptr ? format->id : "generic";
  add_last_error(report.recipients, catalog, body);
  fill_smtp_commands(report.recipients, body);
  return report;
}

}  // namespace bounced::classifiers
