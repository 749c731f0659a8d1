// The identity of the message that bounced, read from wherever the report returns it:
// message/rfc822 or message/global (RFC 6532), text/rfc822-headers or message/global-headers,
// or header lines quoted inline in a prose bounce.
#pragma once

#include <gmime/gmime.h>

#include <string>
#include <string_view>
#include <vector>

#include "report.hpp"

namespace bounced::classifiers {

OriginalMessage original_from_message(GMimeMessage* message,
                                      const std::vector<std::string>& extra_headers);

// Header text (a header block, maybe followed by a body). Parsed with GMime so folding and
// encoded words are handled the same way as for attached messages.
OriginalMessage original_from_header_text(std::string_view text,
                                          const std::vector<std::string>& extra_headers);

// Finds a quoted header block in prose ("------ This is a copy of the message ------" and the
// like are found by the caller's marker; here, the first line that starts a header block).
// Returns an empty OriginalMessage when none is found.
OriginalMessage original_from_inline_text(std::string_view body,
                                          const std::vector<std::string>& extra_headers);

}  // namespace bounced::classifiers
