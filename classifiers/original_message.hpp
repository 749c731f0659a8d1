// The identity of the message that bounced, read from its header block wherever the report
// returns it: message/rfc822 or message/global (RFC 6532), text/rfc822-headers or
// message/global-headers, or header lines quoted inline in a prose bounce.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "report.hpp"

namespace bounced::classifiers {

// Header text (a header block, maybe followed by a body): unfolded here, RFC 2047 encoded words
// decoded by GMime.
OriginalMessage original_from_header_text(std::string_view text,
                                          const std::vector<std::string>& extra_headers);

// Finds a quoted header block in prose ("------ This is a copy of the message ------" and the
// like are found by the caller's marker; here, the first line that starts a header block).
// Returns an empty OriginalMessage when none is found.
OriginalMessage original_from_inline_text(std::string_view body,
                                          const std::vector<std::string>& extra_headers);

}  // namespace bounced::classifiers
