#include "message_checks.hpp"

#include <algorithm>

namespace bounced::classifiers {

std::optional<std::string> reject_unreadable(std::string_view bytes, const MessageLimits& limits) {
  if (bytes.empty()) return "empty message";
  if (bytes.size() > limits.max_message_size) {
    return over_size_reason(bytes.size(), limits.max_message_size);
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
  return check_message_limits(bytes, limits);
}

}  // namespace bounced::classifiers
