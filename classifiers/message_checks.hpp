// Bytes that cannot be a mail are refused before GMime sees them, so the error says why.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace bounced::classifiers {

// The reason the bytes are no readable message (empty, over max_size, NUL bytes in the header
// block, a first line that is no header field), or nullopt.
std::optional<std::string> reject_unreadable(std::string_view bytes, size_t max_size);

}  // namespace bounced::classifiers
