#include "bounce_parser.hpp"

#include <re2/re2.h>

#include <algorithm>
#include <optional>

#include "auto_reply.hpp"
#include "delivery_status.hpp"
#include "dsn_recipients.hpp"
#include "feedback_report.hpp"
#include "message_checks.hpp"
#include "mime_message.hpp"
#include "original_message.hpp"
#include "report_parts.hpp"
#include "ses_notification.hpp"
#include "smtp_command.hpp"
#include "smtp_reply.hpp"
#include "text_bounce_reader.hpp"
#include "text_util.hpp"

namespace bounced::classifiers {

std::string_view to_string(ReportKind kind) {
  switch (kind) {
    case ReportKind::dsn:
      return "dsn";
    case ReportKind::non_dsn:
      return "non_dsn";
    case ReportKind::auto_reply:
      return "auto_reply";
    case ReportKind::arf:
      return "arf";
    case ReportKind::delivered:
      return "delivered";
    case ReportKind::not_bounce:
      return "not_bounce";
    case ReportKind::error:
      return "error";
  }
  return "error";
}

namespace {

// Every address of an address-list header, lower-cased.
std::vector<std::string> addresses_in(std::string_view header) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= header.size()) {
    size_t comma = header.find(',', start);
    if (comma == std::string_view::npos) comma = header.size();
    std::string address = normalize_address(header.substr(start, comma - start));
    if (!address.empty()) out.push_back(to_lower(address));
    start = comma + 1;
  }
  return out;
}

// The SMTP command each rejection answered: from its own diagnostic, else from the report's
// human-readable text (Postfix writes "(in reply to RCPT TO command)" only there).
void fill_smtp_commands(std::vector<RecipientStatus>& recipients, std::string_view body) {
  std::optional<std::string> from_body;
  for (auto& r : recipients) {
    r.smtp_command = rules::find_smtp_command(r.diagnostic);
    if (!r.smtp_command.empty()) continue;
    if (!from_body) {
      from_body = rules::find_smtp_command(body.substr(0, std::min<size_t>(body.size(), 8192)));
    }
    r.smtp_command = *from_body;
  }
}

}  // namespace

BounceParser::BounceParser(std::shared_ptr<const FormatCatalog> catalog, ParserOptions options)
    : catalog_(std::move(catalog)), options_(std::move(options)) {}

ParseResult BounceParser::parse(std::string_view bytes) const {
  ParseResult result = read_report(bytes);
  if (auto* report = std::get_if<BounceReport>(&result)) {
    // Checked before anything is classified or stored: each recipient costs a rule match and
    // rows. Readers find recipients in linear time, so counting afterwards is cheap.
    const MessageLimits& limits = options_.limits;
    if (report->recipients.size() > limits.max_recipients) {
      // (The readers stop counting one past the limit.)
      return ParseError{"report names more than " + std::to_string(limits.max_recipients) +
                        " recipients: over the limit limits.max_recipients = " +
                        std::to_string(limits.max_recipients)};
    }
    size_t cut = 0;
    for (auto& r : report->recipients) cut += cut_utf8(r.diagnostic, limits.max_diagnostic_size);
    if (cut > 0) {
      report->warnings.push_back(std::to_string(cut) + " diagnostic(s) cut to " +
                                 std::to_string(limits.max_diagnostic_size) +
                                 " bytes (limits.max_diagnostic_size)");
    }
    // A reply without an enhanced code gets the generic one of its class, as Postfix writes in
    // its own DSNs ("550 No such user" -> 5.0.0): RFC 3463 x.0.0, "other or undefined".
    for (auto& r : report->recipients) {
      if (r.status.empty() && r.reply_code.size() == 3 &&
          (r.reply_code[0] == '4' || r.reply_code[0] == '5')) {
        r.status = std::string(1, r.reply_code[0]) + ".0.0";
      }
    }
  }
  return result;
}

ParseResult BounceParser::read_report(std::string_view bytes) const {
  if (auto reason = reject_unreadable(bytes, options_.limits)) {
    return ParseError{*reason};
  }
  auto message = parse_message(bytes);
  if (!message) return ParseError{"GMime found no message in the input"};
  GMimeObject* root = GMIME_OBJECT(message.get());
  if (g_mime_message_get_mime_part(message.get()) == nullptr) {
    return ParseError{"message has no body part"};
  }

  BounceReport report;
  if (const char* id = g_mime_message_get_message_id(message.get())) report.message_id = id;
  report.from = collapse_whitespace(header_value(root, "From"));
  if (const char* subject = g_mime_message_get_subject(message.get())) report.subject = subject;
  report.date = header_value(root, "Date");
  for (const char* name : {"Delivered-To", "X-Original-To", "Envelope-To", "To", "Return-Path"}) {
    const std::string address = normalize_address(header_value(root, name));
    if (address.empty()) continue;
    if (report.envelope_recipient.empty()) report.envelope_recipient = address;
    if (report.verp.empty()) report.verp = decode_verp(address, options_.verp);
  }

  // A report cut off in transit still says what it managed to say, but the damage is reported.
  if (GMimeObject* top = g_mime_message_get_mime_part(message.get()); GMIME_IS_MULTIPART(top)) {
    const char* boundary = g_mime_multipart_get_boundary(GMIME_MULTIPART(top));
    const std::string delimiter = boundary != nullptr ? "--" + std::string(boundary) : "";
    if (!delimiter.empty() && bytes.find(delimiter) == std::string_view::npos) {
      report.warnings.push_back("malformed: the declared MIME boundary never occurs; read as text");
    } else if (!delimiter.empty() && bytes.find(delimiter + "--") == std::string_view::npos) {
      report.warnings.push_back("truncated: the closing MIME boundary is missing");
    }
  }
  ReportParts parts = collect_parts(message.get());
  for (auto& warning : parts.warnings) report.warnings.push_back(std::move(warning));
  if (trim(parts.body).empty() && parts.delivery_status.empty()) parts.body = raw_body(bytes);
  if (parts.delivery_status.empty()) parts.delivery_status = inline_delivery_status(parts.body);
  if (!parts.original_headers.empty()) {
    report.original = original_from_header_text(parts.original_headers, options_.original_headers);
  }

  // RFC 5965 feedback report: a complaint, whatever else the mail contains.
  if (!parts.feedback_report.empty()) {
    report.kind = ReportKind::arf;
    report.format = "arf";
    RecipientStatus r = read_feedback_report(parts.feedback_report, report.original);
    report.subtype = r.feedback_type;
    report.recipients.push_back(std::move(r));
    return report;
  }

  // Complaints that are not ARF: one recipient, a fixed feedback type.
  auto complaint = [&](const char* format, const char* feedback_type, std::string address,
                       const char* note) {
    report.kind = ReportKind::arf;
    report.format = format;
    report.subtype = feedback_type;
    RecipientStatus r;
    r.action = "failed";
    r.feedback_type = feedback_type;
    r.address = std::move(address);
    r.diagnostic = std::string("feedback-type=") + feedback_type + " (" + note + ")";
    report.recipients.push_back(std::move(r));
  };
  if (is_jmrp_complaint(report.subject) && parts.original_part != nullptr) {
    // Hotmail names the complaining recipient in a header of its own.
    const auto marked =
        original_from_header_text(parts.original_headers, {"X-HmXmrOriginalRecipient"});
    std::string address =
        marked.headers.empty() ? std::string() : normalize_address(marked.headers.front().second);
    if (address.empty()) address = normalize_address(report.original.to);
    if (!address.empty()) {
      complaint("jmrp", "abuse", std::move(address), "Microsoft JMRP");
      return report;
    }
  }
  // Apple Mail's "Unsubscribe" button mails the List-Unsubscribe address: an opt-out request.
  if (iequals(trim(header_value(root, "X-Apple-Unsubscribe")), "true")) {
    if (std::string address = normalize_address(report.from); !address.empty()) {
      complaint("apple-unsubscribe", "opt-out", std::move(address), "Apple Mail unsubscribe");
      return report;
    }
  }

  // Amazon SES notifications relayed by SNS as mail.
  if (auto ses = read_ses_notification(parts.body)) {
    ses->message_id = report.message_id;
    ses->from = report.from;
    ses->subject = report.subject;
    ses->date = report.date;
    ses->envelope_recipient = report.envelope_recipient;
    ses->verp = report.verp;
    return std::move(*ses);
  }

  // RFC 3464 / RFC 6533 delivery status notification.
  if (!parts.delivery_status.empty()) {
    const DeliveryStatus status =
        parse_delivery_status(parts.delivery_status, options_.limits.max_recipients);
    report.reporting_mta = to_lower(strip_type_prefix(status.per_message.get("Reporting-MTA")));
    report.recipients = read_delivery_status(status);
    if (!report.recipients.empty()) {
      report.format = "rfc3464";
      report.kind = all_delivered(report.recipients) ? ReportKind::delivered : ReportKind::dsn;
      // Some MTAs leave Diagnostic-Code out and explain only in the human-readable part.
      const bool needs_text =
          std::any_of(report.recipients.begin(), report.recipients.end(),
                      [](const RecipientStatus& r) { return r.diagnostic.empty(); });
      if (needs_text && !parts.body.empty()) {
        TextBounceInput input{parts.body, {}, {}, options_.limits.max_recipients};
        for (auto& r : report.recipients) input.failed_recipients.push_back(to_lower(r.address));
        const auto explained = read_text_bounce(
            *catalog_, catalog_->detect(report.from, report.subject, parts.body), input);
        for (auto& r : report.recipients) {
          if (!r.diagnostic.empty()) continue;
          for (const auto& e : explained) {
            if (iequals(e.address, r.address)) {
              r.diagnostic = e.diagnostic;
              if (r.reply_code.empty()) r.reply_code = e.reply_code;
              if (r.status.empty() || (!rules::is_specific_status(r.status) && !e.status.empty() &&
                                       e.status[0] == r.status[0])) {
                if (!e.status.empty()) r.status = e.status;
              }
            }
          }
        }
      }
      if (report.original.message_id.empty() && !parts.body.empty()) {
        report.original = original_from_inline_text(parts.body, options_.original_headers);
      }
      fill_smtp_commands(report.recipients, parts.body);
      return report;
    }
  }

  // A bounce of a bounce: the attached message is itself the report (forwarded by a gateway).
  if (parts.original_part != nullptr && depth_ == 0 &&
      to_lower(parts.original_headers).find("multipart/report") != std::string::npos) {
    {
      const std::string inner_bytes =
          part_content(parts.original_part, options_.limits.max_message_size, false);
      BounceParser nested(catalog_, options_);
      nested.depth_ = 1;
      auto result = nested.read_report(inner_bytes);
      if (auto* inner_report = std::get_if<BounceReport>(&result);
          inner_report != nullptr && !inner_report->recipients.empty()) {
        inner_report->message_id = report.message_id;
        inner_report->envelope_recipient = report.envelope_recipient;
        inner_report->verp = report.verp;
        return std::move(*inner_report);
      }
    }
  }
  // A bounce written as prose, or an auto-reply.
  const std::string_view body = parts.body;
  const TextBounceFormat* format = catalog_->detect(report.from, report.subject, body);
  const std::string failed_header = header_value(root, "X-Failed-Recipients");
  const bool generic = format == nullptr || format->id == "generic";
  if (generic && failed_header.empty()) {
    if (auto subtype =
            auto_reply_subtype(root, report.from, report.subject, body, catalog_->auto_reply())) {
      report.kind = ReportKind::auto_reply;
      report.format = "rfc3834";
      report.subtype = *subtype;
      RecipientStatus r;
      r.address = normalize_address(report.from);
      r.action = *subtype == "vacation" ? "auto-replied" : "challenge";
      r.diagnostic = collapse_whitespace(report.subject);
      if (!r.address.empty()) report.recipients.push_back(std::move(r));
      return report;
    }
  }
  if (format != nullptr || !failed_header.empty()) {
    TextBounceInput input{body, {}, addresses_in(failed_header), options_.limits.max_recipients};
    // Delivered-To/X-Original-To are left out: some MTAs put the failed recipient there.
    for (const char* name : {"To", "From", "Return-Path"}) {
      for (auto& address : addresses_in(header_value(root, name))) {
        input.sender_addresses.push_back(std::move(address));
      }
    }
    if (report.original.message_id.empty()) {
      const size_t marker = catalog_->find_original_marker(body);
      report.original = original_from_inline_text(
          marker == std::string_view::npos ? body : body.substr(marker), options_.original_headers);
    }
    if (!report.original.from.empty()) {
      for (auto& address : addresses_in(report.original.from)) {
        input.sender_addresses.push_back(std::move(address));
      }
    }
    report.recipients = read_text_bounce(*catalog_, format, input);
    // A bounce that names nobody in its failure text (an MMS gateway's "No valid recipients")
    // failed for the returned original's single recipient.
    if (report.recipients.empty() && format != nullptr && !report.original.to.empty() &&
        addresses_in(report.original.to).size() == 1) {
      RecipientStatus r;
      r.address = normalize_address(report.original.to);
      r.action = "failed";
      r.diagnostic = collapse_whitespace(failure_section(*catalog_, format, body));
      if (r.diagnostic.size() > 1500) r.diagnostic.resize(1500);
      const rules::SmtpReply reply = rules::find_smtp_reply(r.diagnostic);
      r.reply_code = reply.reply_code;
      r.status = reply.status;
      if (!r.address.empty()) report.recipients.push_back(std::move(r));
    }
    if (!report.recipients.empty()) {
      report.kind = ReportKind::non_dsn;
      report.format = format != nullptr ? format->id : "generic";
      fill_smtp_commands(report.recipients, body);
      return report;
    }
  }
  report.kind = ReportKind::not_bounce;
  return report;
}

}  // namespace bounced::classifiers
