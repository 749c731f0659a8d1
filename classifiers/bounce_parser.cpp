#include "bounce_parser.hpp"

#include <algorithm>
#include <optional>

#include "detectors/detector_list.hpp"
#include "message_checks.hpp"
#include "message_framing.hpp"
#include "mime_message.hpp"
#include "original_message.hpp"
#include "report_parts.hpp"
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

bool succeeded(const RecipientStatus& r) {
  return r.action == "delivered" || r.action == "relayed" || r.action == "expanded";
}

// Codes as the rules expect them, whichever detector read the recipient.
void settle_codes(RecipientStatus& r) {
  // Only a DSN action or an explicit success notice says a message arrived. A recipient that did
  // not succeed never carries a success code, wherever its text showed one (a "250 OK" earlier
  // in a transcript whose transaction failed later).
  if (!succeeded(r)) {
    if (!r.reply_code.empty() && r.reply_code[0] == '2') r.reply_code.clear();
    if (!r.status.empty() && r.status[0] == '2') r.status.clear();
  }
  // A reply without an enhanced code gets the generic one of its class, as Postfix writes in
  // its own DSNs ("550 No such user" -> 5.0.0): RFC 3463 x.0.0, "other or undefined".
  if (r.status.empty() && r.reply_code.size() == 3 &&
      (r.reply_code[0] == '4' || r.reply_code[0] == '5')) {
    r.status = std::string(1, r.reply_code[0]) + ".0.0";
  }
}

// A report cut off in transit still says what it managed to say, but the damage is reported.
void check_boundaries(GMimeMessage* message, std::string_view bytes,
                      std::vector<std::string>& warnings) {
  GMimeObject* top = g_mime_message_get_mime_part(message);
  if (!GMIME_IS_MULTIPART(top)) return;
  const char* boundary = g_mime_multipart_get_boundary(GMIME_MULTIPART(top));
  if (boundary == nullptr) return;
  const std::string delimiter = "--" + std::string(boundary);
  if (bytes.find(delimiter) == std::string_view::npos) {
    warnings.push_back("malformed: the declared MIME boundary never occurs; read as text");
  } else if (bytes.find(delimiter + "--") == std::string_view::npos) {
    warnings.push_back("truncated: the closing MIME boundary is missing");
  }
}

}  // namespace

BounceParser::BounceParser(std::shared_ptr<const FormatCatalog> catalog, ParserOptions options)
    : catalog_(std::move(catalog)),
      options_(std::move(options)),
      detectors_(standard_detectors()) {}

BounceParser::~BounceParser() = default;

ParseResult BounceParser::parse(std::string_view bytes) const {
  ParseResult result = read_report(bytes, 0);
  if (auto* report = std::get_if<BounceReport>(&result)) {
    // Checked before anything is classified or stored: each recipient costs a rule match and
    // rows. Readers find recipients in linear time (and stop one past the limit), so counting
    // afterwards is cheap.
    const MessageLimits& limits = options_.limits;
    if (report->recipients.size() > limits.max_recipients) {
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
    for (auto& r : report->recipients) settle_codes(r);
  }
  return result;
}

ParseResult BounceParser::read_report(std::string_view raw, int depth) const {
  if (raw.size() > options_.limits.max_message_size) {
    return ParseError{over_size_reason(raw.size(), options_.limits.max_message_size)};
  }
  const FramedMessage framed(raw);
  const std::string_view bytes = framed.bytes();
  if (auto reason = reject_unreadable(bytes, options_.limits)) {
    return ParseError{*reason};
  }
  auto message = parse_message(bytes);
  if (!message) return ParseError{"GMime found no message in the input"};
  GMimeObject* root = GMIME_OBJECT(message.get());

  // The envelope: what the notice says about itself, whoever reads the rest.
  BounceReport envelope;
  envelope.warnings = framed.warnings();
  if (const char* id = g_mime_message_get_message_id(message.get())) envelope.message_id = id;
  envelope.from = collapse_whitespace(header_value(root, "From"));
  if (const char* subject = g_mime_message_get_subject(message.get())) envelope.subject = subject;
  envelope.date = header_value(root, "Date");
  for (const char* name : {"Delivered-To", "X-Original-To", "Envelope-To", "To", "Return-Path"}) {
    const std::string address = normalize_address(header_value(root, name));
    if (address.empty()) continue;
    if (envelope.envelope_recipient.empty()) envelope.envelope_recipient = address;
    if (envelope.verp.empty()) envelope.verp = decode_verp(address, options_.verp);
  }
  check_boundaries(message.get(), bytes, envelope.warnings);

  // One walk over the MIME tree finds every part a detector may need.
  ReportParts parts;
  if (g_mime_message_get_mime_part(message.get()) != nullptr) parts = collect_parts(message.get());
  for (auto& warning : parts.warnings) envelope.warnings.push_back(std::move(warning));
  if (trim(parts.body).empty() && parts.delivery_status.empty()) parts.body = raw_body(bytes);
  bool delivery_status_inline = false;
  if (parts.delivery_status.empty()) {
    parts.delivery_status = inline_delivery_status(parts.body);
    delivery_status_inline = !parts.delivery_status.empty();
  }
  if (!parts.original_headers.empty()) {
    envelope.original =
        original_from_header_text(parts.original_headers, options_.original_headers);
  }

  Notice::AttachedReader read_attached;
  if (depth == 0) {
    read_attached = [this](std::string_view inner) { return read_report(inner, 1); };
  }
  const Notice notice(message.get(), parts, delivery_status_inline, envelope.from, envelope.subject,
                      *catalog_, options_, std::move(read_attached));

  // The surest claim reads first, ties in list order; a reader that finds nothing it can use
  // passes the notice to the next claim. Claims are asked lazily: a detector whose ceiling
  // cannot outrank the best claim so far is not asked (ties go to the earlier detector).
  const size_t count = detectors_.size();
  std::vector<std::optional<Confidence>> claims(count);
  std::vector<bool> tried(count, false);
  for (;;) {
    std::optional<size_t> best;
    for (size_t i = 0; i < count; ++i) {
      if (tried[i]) continue;
      if (best && detectors_[i]->ceiling() <= *claims[*best]) continue;
      if (!claims[i]) claims[i] = detectors_[i]->claim(notice);
      if (*claims[i] != Confidence::none && (!best || *claims[i] > *claims[*best])) best = i;
    }
    if (!best) break;
    tried[*best] = true;
    if (auto report = detectors_[*best]->read(notice, envelope)) return std::move(*report);
  }
  envelope.kind = ReportKind::not_bounce;
  return envelope;
}

}  // namespace bounced::classifiers
