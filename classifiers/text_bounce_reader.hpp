// Reads the failed recipients out of a bounce written as prose (no message/delivery-status part):
// finds the failure section, the recipient addresses in it, and the text that explains each one.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "format_catalog.hpp"
#include "report.hpp"

namespace bounced::classifiers {

struct TextBounceInput {
  std::string_view body;  // the human-readable part, UTF-8
  // Addresses that are never the failed recipient: the bounce's own To/Delivered-To (the
  // original sender) and From (the MTA). Lower-cased.
  std::vector<std::string> sender_addresses;
  // X-Failed-Recipients (Exim, others), when the bounce carries it: the authoritative list.
  std::vector<std::string> failed_recipients;
  // Reading stops once more distinct recipients than this were found: the parser refuses such
  // a report (limits.max_recipients), so the rest of the body is not worth its memory.
  size_t max_recipients = SIZE_MAX;
};

// format may be nullptr (no known layout): the generic reading is used.
std::vector<RecipientStatus> read_text_bounce(const FormatCatalog& catalog,
                                              const TextBounceFormat* format,
                                              const TextBounceInput& input);

// The part of body that explains the failure: after the format's start marker, before the
// returned original. Exposed for tests and for `bounced explain`.
std::string_view failure_section(const FormatCatalog& catalog, const TextBounceFormat* format,
                                 std::string_view body);

}  // namespace bounced::classifiers
