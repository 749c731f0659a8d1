// Bytes that cannot be a mail are refused before GMime sees them, so the error says why.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "message_limits.hpp"

namespace bounced::classifiers {

// The reason the bytes are no readable message (empty, NUL bytes in the header block, a first
// line that is no header field) or one over a limit (size, MIME structure, header length), or
// nullopt.
std::optional<std::string> reject_unreadable(std::string_view bytes, const MessageLimits& limits);

}  // namespace bounced::classifiers
