// One walk over a report's MIME tree that finds what the readers need: the delivery-status or
// feedback-report part, the human-readable text, and the returned original.
#pragma once

#include <gmime/gmime.h>

#include <string>
#include <string_view>
#include <vector>

namespace bounced::classifiers {

// The parts of a report that the readers need, found in one walk over the MIME tree.
struct ReportParts {
  std::string delivery_status;  // message/delivery-status or message/global-delivery-status
  std::string feedback_report;  // message/feedback-report (RFC 5965)
  std::string body;             // first human-readable text, UTF-8
  bool body_is_html = false;
  // The returned original: message/rfc822 or message/global, a leaf part (see mime_message.cpp).
  GMimeObject* original_part = nullptr;
  // Its header block, or that of a text/rfc822-headers / message/global-headers part.
  std::string original_headers;
  // Parts read only in part (over the per-part bound): for the report's warnings.
  std::vector<std::string> warnings;
};

ReportParts collect_parts(GMimeMessage* message);

// The bytes after the header block, for mail whose MIME structure yields no readable text (a
// multipart whose boundaries were lost, a report pasted as plain text).
std::string raw_body(std::string_view bytes);

// Some MTAs paste the RFC 3464 fields into a text part instead of a message/delivery-status
// part: the fields from the first Reporting-MTA / Final-Recipient line on, or "".
std::string inline_delivery_status(std::string_view body);

}  // namespace bounced::classifiers
