#include "bounce_parser.hpp"

#include <re2/re2.h>

#include <algorithm>
#include <optional>

#include "delivery_status.hpp"
#include "mime_message.hpp"
#include "original_message.hpp"
#include "ses_notification.hpp"
#include "smtp_command.hpp"
#include "smtp_reply.hpp"
using bounced::rules::find_smtp_reply;
using bounced::rules::find_status_code;
using bounced::rules::is_specific_status;
using bounced::rules::SmtpReply;
#include "text_bounce_reader.hpp"
#include "text_util.hpp"

namespace bounced::classifiers {

std::string_view to_string(ReportKind kind) {
  switch (kind) {
    case ReportKind::dsn: return "dsn";
    case ReportKind::non_dsn: return "non_dsn";
    case ReportKind::auto_reply: return "auto_reply";
    case ReportKind::arf: return "arf";
    case ReportKind::delivered: return "delivered";
    case ReportKind::not_bounce: return "not_bounce";
    case ReportKind::error: return "error";
  }
  return "error";
}

namespace {

// The parts of a report that the readers need, found in one walk over the MIME tree.
struct ReportParts {
  std::string delivery_status;   // message/delivery-status or message/global-delivery-status
  std::string feedback_report;   // message/feedback-report (RFC 5965)
  std::string body;              // first human-readable text, UTF-8
  bool body_is_html = false;
  GMimeMessage* original_message = nullptr;  // message/rfc822 or message/global
  std::string original_headers;              // text/rfc822-headers or message/global-headers
};

std::string strip_html(std::string_view html) {
  static const re2::RE2 block_tags(R"((?i)<(?:br|/p|/div|/tr|/li|/h[1-6])[^>]*>)");
  static const re2::RE2 tags(R"(<[^>]*>)");
  static const re2::RE2 style(R"((?is)<(style|script)[^>]*>.*?</(?:style|script)>)");
  std::string text(html);
  re2::RE2::GlobalReplace(&text, style, "");
  re2::RE2::GlobalReplace(&text, block_tags, "\n");
  re2::RE2::GlobalReplace(&text, tags, "");
  for (auto [entity, replacement] : {std::pair{"&nbsp;", " "}, {"&lt;", "<"}, {"&gt;", ">"},
                                     {"&quot;", "\""}, {"&#39;", "'"}, {"&amp;", "&"}}) {
    for (size_t at = text.find(entity); at != std::string::npos; at = text.find(entity, at)) {
      text.replace(at, std::string_view(entity).size(), replacement);
      at += std::string_view(replacement).size();
    }
  }
  return text;
}

ReportParts collect_parts(GMimeMessage* message) {
  ReportParts parts;
  std::string html;
  for_each_part(g_mime_message_get_mime_part(message), [&](GMimeObject* part) {
    const std::string type = mime_type(part);
    if (type == "message/delivery-status" || type == "message/global-delivery-status") {
      if (parts.delivery_status.empty()) parts.delivery_status = part_text(part);
    } else if (type == "message/feedback-report") {
      if (parts.feedback_report.empty()) parts.feedback_report = part_text(part);
    } else if (GMIME_IS_MESSAGE_PART(part)) {
      if (parts.original_message == nullptr) {
        parts.original_message = g_mime_message_part_get_message(GMIME_MESSAGE_PART(part));
      }
    } else if (type == "text/rfc822-headers" || type == "message/global-headers" ||
               type == "text/rfc822-header") {
      if (parts.original_headers.empty()) parts.original_headers = part_text(part);
    } else if (type == "text/plain" || type == "text/enriched") {
      // Only text before the returned original explains the failure.
      if (parts.body.empty() && parts.original_message == nullptr) parts.body = part_text(part);
    } else if (type == "text/html") {
      if (html.empty() && parts.original_message == nullptr) html = part_text(part);
    }
  });
  if (parts.body.empty() && !html.empty()) {
    parts.body = strip_html(html);
    parts.body_is_html = true;
  }
  return parts;
}

// RFC 6533 utf-8 addresses may carry "\x{HEX}" escapes for non-ASCII characters.
std::string decode_unitext(std::string_view value) {
  std::string out;
  for (size_t i = 0; i < value.size(); ++i) {
    if (value[i] == '\\' && value.substr(i).starts_with("\\x{")) {
      const size_t close = value.find('}', i);
      if (close != std::string_view::npos) {
        const std::string hex(value.substr(i + 3, close - i - 3));
        char* end = nullptr;
        const unsigned long code = std::strtoul(hex.c_str(), &end, 16);
        if (end != nullptr && *end == '\0' && code > 0 && code < 0x110000) {
          char buffer[8] = {};
          const int length = g_unichar_to_utf8(static_cast<gunichar>(code), buffer);
          out.append(buffer, static_cast<size_t>(length));
          i = close;
          continue;
        }
      }
    }
    out.push_back(value[i]);
  }
  return out;
}

std::string first_word_lower(std::string_view value) {
  value = trim(value);
  const size_t end = value.find_first_of(" \t(;");
  return to_lower(value.substr(0, end));
}

std::vector<RecipientStatus> read_delivery_status(const DeliveryStatus& status) {
  std::vector<RecipientStatus> recipients;
  for (const FieldBlock& block : status.per_recipient) {
    RecipientStatus r;
    r.address = normalize_address(decode_unitext(block.get("Final-Recipient")));
    if (r.address.empty()) r.address = normalize_address(decode_unitext(block.get("X-Actual-Recipient")));
    r.original_recipient = normalize_address(decode_unitext(block.get("Original-Recipient")));
    if (r.address.empty()) r.address = r.original_recipient;
    if (r.address.empty()) continue;
    r.action = first_word_lower(block.get("Action"));
    r.status = find_status_code(block.get("Status"));
    std::string_view diagnostic = block.get("Diagnostic-Code");
    r.diagnostic = std::string(strip_type_prefix(diagnostic));
    r.remote_mta = to_lower(strip_type_prefix(block.get("Remote-MTA")));
    r.last_attempt_date = std::string(block.get("Last-Attempt-Date"));
    const SmtpReply reply = find_smtp_reply(r.diagnostic);
    r.reply_code = reply.reply_code;
    // "Status: 5.0.0" with "550 5.1.1 user unknown" in the diagnostic: the diagnostic is the
    // remote server's own word and says more.
    if (!reply.status.empty() && (r.status.empty() || (!is_specific_status(r.status) &&
                                                       reply.status[0] == r.status[0]))) {
      r.status = reply.status;
    }
    recipients.push_back(std::move(r));
  }
  return recipients;
}

bool all_delivered(const std::vector<RecipientStatus>& recipients) {
  return !recipients.empty() &&
         std::all_of(recipients.begin(), recipients.end(), [](const RecipientStatus& r) {
           return r.action == "delivered" || r.action == "relayed" || r.action == "expanded";
         });
}

bool is_system_sender(std::string_view from) {
  const std::string lowered = to_lower(from);
  for (std::string_view word : {"mailer-daemon", "postmaster", "mail delivery", "mail-daemon",
                                "mailerdaemon"}) {
    if (lowered.find(word) != std::string::npos) return true;
  }
  return false;
}

std::optional<std::string> auto_reply_subtype(GMimeObject* message, std::string_view from,
                                              std::string_view subject, std::string_view body,
                                              const AutoReplySignals& signals) {
  auto matches = [](const std::shared_ptr<const re2::RE2>& regex, std::string_view text) {
    return regex && re2::RE2::PartialMatch(text, *regex);
  };
  if (is_system_sender(from)) return std::nullopt;
  if (matches(signals.challenge_subject, subject) ||
      matches(signals.challenge_body, body.substr(0, std::min<size_t>(body.size(), 4096)))) {
    return "challenge_response";
  }
  const std::string auto_submitted = to_lower(header_value(message, "Auto-Submitted"));
  const std::string precedence = to_lower(header_value(message, "Precedence"));
  const bool flagged = auto_submitted.starts_with("auto-replied") ||
                       !header_value(message, "X-Autoreply").empty() ||
                       !header_value(message, "X-Autorespond").empty() ||
                       !header_value(message, "X-Autoresponder").empty() ||
                       !header_value(message, "X-Vacation").empty() ||
                       precedence == "auto_reply";
  if (flagged || matches(signals.vacation_subject, subject)) return "vacation";
  return std::nullopt;
}

RecipientStatus read_feedback_report(std::string_view text, const OriginalMessage& original) {
  const DeliveryStatus fields = parse_delivery_status(text);
  // The feedback report is one block; parse_delivery_status files it as per-message, or as a
  // recipient block when it carries Original-Rcpt-To.
  FieldBlock block = fields.per_message;
  for (const auto& recipient_block : fields.per_recipient) {
    for (const auto& [name, value] : recipient_block.fields()) block.add(name, value);
  }
  RecipientStatus r;
  r.action = "failed";
  r.feedback_type = to_lower(trim(block.get("Feedback-Type")));
  r.address = normalize_address(block.get("Original-Rcpt-To"));
  if (r.address.empty()) r.address = normalize_address(block.get("Removal-Recipient"));
  if (r.address.empty()) r.address = normalize_address(original.to);
  r.diagnostic = collapse_whitespace(std::string("feedback-type=") + r.feedback_type +
                                     (block.get("User-Agent").empty()
                                          ? ""
                                          : " user-agent=" + std::string(block.get("User-Agent"))));
  r.remote_mta = to_lower(strip_type_prefix(block.get("Reporting-MTA")));
  return r;
}

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

// Bytes that cannot be a mail: checked before GMime so the error says why.
std::optional<std::string> reject_unreadable(std::string_view bytes, size_t max_size) {
  if (bytes.empty()) return "empty message";
  if (bytes.size() > max_size) {
    return "message is " + std::to_string(bytes.size()) + " bytes, over the limit of " +
           std::to_string(max_size) + " bytes";
  }
  size_t header_end = bytes.find("\n\n");
  if (const size_t crlf = bytes.find("\r\n\r\n"); crlf < header_end) header_end = crlf;
  if (header_end == std::string_view::npos) header_end = std::min<size_t>(bytes.size(), 65536);
  const std::string_view header = bytes.substr(0, header_end);
  if (header.find('\0') != std::string_view::npos) return "NUL byte in the header block";
  // The first line must be a header field (or an mbox "From " separator).
  std::string_view first = header.substr(0, header.find('\n'));
  if (first.starts_with("From ")) {
    const size_t next = header.find('\n');
    first = next == std::string_view::npos ? std::string_view() : header.substr(next + 1);
    first = first.substr(0, first.find('\n'));
  }
  const size_t colon = first.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return "not an RFC 5322 message: the first line is not a header field";
  }
  // RFC 5322 allows most printable characters in a field name, but real header names are
  // letters, digits and dashes; this keeps JSON, scripts and binary files out.
  for (char c : first.substr(0, colon)) {
    const bool name_char = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                           (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
    if (!name_char) return "not an RFC 5322 message: the first line is not a header field";
  }
  return std::nullopt;
}

// The bytes after the header block, for mail whose MIME structure yields no readable text (a
// multipart whose boundaries were lost, a report pasted as plain text).
std::string raw_body(std::string_view bytes) {
  size_t end = bytes.find("\n\n");
  size_t skip = 2;
  if (const size_t crlf = bytes.find("\r\n\r\n"); crlf < end) {
    end = crlf;
    skip = 4;
  }
  if (end == std::string_view::npos) return {};
  constexpr size_t kMaxRawBody = 512 * 1024;
  std::string_view body = bytes.substr(end + skip);
  return to_utf8(body.substr(0, std::min(body.size(), kMaxRawBody)), nullptr);
}

// Some MTAs paste the RFC 3464 fields into a text part instead of a message/delivery-status part.
std::string inline_delivery_status(std::string_view body) {
  static const re2::RE2 start(R"((?mi)^(?:Reporting-MTA|Original-Envelope-Id|Final-Recipient):[ \t]*\S)");
  static const re2::RE2 recipient(R"((?mi)^Final-Recipient:[ \t]*\S)");
  if (!re2::RE2::PartialMatch(body, recipient)) return {};
  re2::StringPiece match;
  if (!start.Match(body, 0, body.size(), RE2::UNANCHORED, &match, 1)) return {};
  return std::string(body.substr(static_cast<size_t>(match.data() - body.data())));
}

// The SMTP command each rejection answered: from its own diagnostic, else from the report's
// human-readable text (Postfix writes "(in reply to RCPT TO command)" only there).
void fill_smtp_commands(std::vector<RecipientStatus>& recipients, std::string_view body) {
  std::optional<std::string> from_body;
  for (auto& r : recipients) {
    r.smtp_command = rules::find_smtp_command(r.diagnostic);
    if (!r.smtp_command.empty()) continue;
    if (!from_body) from_body = rules::find_smtp_command(body.substr(0, std::min<size_t>(body.size(), 8192)));
    r.smtp_command = *from_body;
  }
}

// Hotmail/Outlook.com JMRP complaints: a message/rfc822 with the reported mail and a subject
// "complaint about message from IP", but no message/feedback-report part.
bool is_jmrp_complaint(std::string_view subject) {
  return to_lower(subject).find("complaint about message from") != std::string::npos;
}

}  // namespace

BounceParser::BounceParser(std::shared_ptr<const FormatCatalog> catalog, ParserOptions options)
    : catalog_(std::move(catalog)), options_(std::move(options)) {}

ParseResult BounceParser::parse(std::string_view bytes) const {
  if (auto reason = reject_unreadable(bytes, options_.max_message_size)) {
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

  ReportParts parts = collect_parts(message.get());
  if (trim(parts.body).empty() && parts.delivery_status.empty()) parts.body = raw_body(bytes);
  if (parts.delivery_status.empty()) parts.delivery_status = inline_delivery_status(parts.body);
  if (parts.original_message != nullptr) {
    report.original = original_from_message(parts.original_message, options_.original_headers);
  } else if (!parts.original_headers.empty()) {
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

  if (is_jmrp_complaint(report.subject) && parts.original_message != nullptr) {
    report.kind = ReportKind::arf;
    report.format = "jmrp";
    report.subtype = "abuse";
    RecipientStatus r;
    r.action = "failed";
    r.feedback_type = "abuse";
    r.address = normalize_address(
        header_value(GMIME_OBJECT(parts.original_message), "X-HmXmrOriginalRecipient"));
    if (r.address.empty()) r.address = normalize_address(report.original.to);
    r.diagnostic = "feedback-type=abuse (Microsoft JMRP)";
    if (!r.address.empty()) {
      report.recipients.push_back(std::move(r));
      return report;
    }
  }

  // Apple Mail's "Unsubscribe" button mails the List-Unsubscribe address: an opt-out request.
  if (iequals(trim(header_value(root, "X-Apple-Unsubscribe")), "true")) {
    report.kind = ReportKind::arf;
    report.format = "apple-unsubscribe";
    report.subtype = "opt-out";
    RecipientStatus r;
    r.action = "failed";
    r.feedback_type = "opt-out";
    r.address = normalize_address(report.from);
    r.diagnostic = "feedback-type=opt-out (Apple Mail unsubscribe)";
    if (!r.address.empty()) {
      report.recipients.push_back(std::move(r));
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
    const DeliveryStatus status = parse_delivery_status(parts.delivery_status);
    report.reporting_mta = to_lower(strip_type_prefix(status.per_message.get("Reporting-MTA")));
    report.recipients = read_delivery_status(status);
    if (!report.recipients.empty()) {
      report.format = "rfc3464";
      report.kind = all_delivered(report.recipients) ? ReportKind::delivered : ReportKind::dsn;
      // Some MTAs leave Diagnostic-Code out and explain only in the human-readable part.
      const bool needs_text = std::any_of(report.recipients.begin(), report.recipients.end(),
                                          [](const RecipientStatus& r) { return r.diagnostic.empty(); });
      if (needs_text && !parts.body.empty()) {
        TextBounceInput input{parts.body, {}, {}};
        for (auto& r : report.recipients) input.failed_recipients.push_back(to_lower(r.address));
        const auto explained = read_text_bounce(*catalog_, catalog_->detect(report.from, report.subject, parts.body), input);
        for (auto& r : report.recipients) {
          if (!r.diagnostic.empty()) continue;
          for (const auto& e : explained) {
            if (iequals(e.address, r.address)) {
              r.diagnostic = e.diagnostic;
              if (r.reply_code.empty()) r.reply_code = e.reply_code;
              if (r.status.empty() || (!is_specific_status(r.status) && !e.status.empty() &&
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
  if (parts.original_message != nullptr && depth_ == 0) {
    GMimeObject* inner = g_mime_message_get_mime_part(parts.original_message);
    if (inner != nullptr && mime_type(inner) == "multipart/report") {
      char* text = g_mime_object_to_string(GMIME_OBJECT(parts.original_message), nullptr);
      const std::string inner_bytes = text != nullptr ? text : "";
      g_free(text);
      BounceParser nested(catalog_, options_);
      nested.depth_ = 1;
      auto result = nested.parse(inner_bytes);
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
    if (auto subtype = auto_reply_subtype(root, report.from, report.subject, body,
                                          catalog_->auto_reply())) {
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
    TextBounceInput input{body, {}, addresses_in(failed_header)};
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
      const SmtpReply reply = find_smtp_reply(r.diagnostic);
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
