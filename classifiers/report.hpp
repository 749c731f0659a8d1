// Value types that leave the parser: what one incoming mail says about the delivery of an
// earlier message. Nothing here knows about GMime; later stages (rules, store) see only these.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace bounced::classifiers {

// What kind of mail it is, decided before any recipient is classified.
enum class ReportKind {
  dsn,         // RFC 3464 multipart/report; report-type=delivery-status
  non_dsn,     // a bounce written as prose by an MTA (qmail, Exim, Exchange, ...)
  auto_reply,  // RFC 3834 vacation / out-of-office / challenge-response; never a bounce
  arf,         // RFC 5965 feedback report (complaint)
  delivered,   // a DSN whose recipients were all delivered, relayed or expanded
  not_bounce,  // ordinary mail that reached the bounce mailbox
  error,       // could not be read at all; see ParseError
};

std::string_view to_string(ReportKind kind);

// RFC 3464 section 2.3 per-recipient fields, plus what a prose bounce yields for the same slots.
struct RecipientStatus {
  std::string address;             // Final-Recipient (addr-type stripped), lower-cased domain
  std::string original_recipient;  // Original-Recipient, if given
  std::string action;              // failed | delayed | delivered | relayed | expanded
  std::string status;              // enhanced status code "5.1.1", "" if none found
  std::string reply_code;          // SMTP reply code "550", "" if none found
  std::string diagnostic;          // Diagnostic-Code text or the prose near the address (UTF-8)
  std::string remote_mta;          // Remote-MTA host (type stripped)
  std::string smtp_command;        // the command the rejection answered: RCPT, DATA, MAIL, ...
  std::string last_attempt_date;   // Last-Attempt-Date as written
  std::string feedback_type;       // ARF Feedback-Type, for kind arf
};

// The message that bounced, as far as the report returns it (RFC 3462 third part, or quoted).
struct OriginalMessage {
  std::string message_id;  // without angle brackets
  std::string from;
  std::string to;
  std::string subject;
  std::string date;
  // Configured extra headers (X-Campaign-Id, X-Bounced-Send-Id, ...) that were present.
  std::vector<std::pair<std::string, std::string>> headers;
};

struct BounceReport {
  ReportKind kind = ReportKind::not_bounce;
  std::string format;      // which reader produced it: "rfc3464", "qmail", "exim", "generic", ...
  std::string message_id;  // of the report itself
  std::string from;        // of the report itself
  std::string subject;     // of the report itself, decoded
  std::string date;        // of the report itself
  std::string reporting_mta;       // Reporting-MTA, or the host a prose bounce names
  std::string envelope_recipient;  // where the bounce was sent (Delivered-To, X-Original-To, ...)
  std::string verp;                // recipient decoded from a VERP envelope address, "" if none
  // For auto_reply: "vacation" or "challenge_response"; for arf: the Feedback-Type.
  std::string subtype;
  std::vector<RecipientStatus> recipients;
  OriginalMessage original;
  // Damage the parser read around ("truncated: ..."); the report holds what could be read.
  std::vector<std::string> warnings;
};

struct ParseError {
  std::string reason;
};

using ParseResult = std::variant<BounceReport, ParseError>;

}  // namespace bounced::classifiers
