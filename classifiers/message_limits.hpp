// The limits that keep one hostile or broken message from costing more than a bounded amount of
// memory and time. They are checked before the expensive step they protect: the size before the
// message is read (the intake) and before GMime sees it, the MIME structure and header lengths by
// a linear scan before GMime builds its tree, the recipient count before anything is classified
// or stored. A message over one of them is an error whose reason names the limit (the daemon
// quarantines it); a diagnostic over its limit is cut, not refused.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace bounced::classifiers {

struct MessageLimits {
  // Larger mail is refused unread: bounces are small; a huge one is a returned attachment or
  // abuse. bounced.yaml: limits.max_message_size.
  size_t max_message_size = 32 * 1024 * 1024;
  // MIME parts in all multiparts together (a returned original is one part: its own structure
  // is not parsed). limits.max_mime_parts.
  size_t max_mime_parts = 1000;
  // Multiparts nested inside each other. limits.max_mime_depth.
  size_t max_mime_depth = 32;
  // One header field of the message or of a MIME part, folded lines included.
  // limits.max_header_size.
  size_t max_header_size = 64 * 1024;
  // Header fields in one header block (the message's or a MIME part's): GMime holds each as an
  // object, so millions of tiny fields cost gigabytes. limits.max_header_fields.
  size_t max_header_fields = 1000;
  // Recipients one report may name. limits.max_recipients.
  size_t max_recipients = 1000;
  // A recipient's diagnostic is cut to this many bytes (on a UTF-8 boundary) before rules see
  // it. limits.max_diagnostic_size.
  size_t max_diagnostic_size = 4096;
};

// "message size 52428843 bytes: over the limit limits.max_message_size = 33554432": the reason for
// a message refused by size, shared by the parser and the intake (which checks before reading).
std::string over_size_reason(size_t size, size_t max_message_size);

// The first limit the raw message breaks (size, MIME parts, nesting, header length), as a reason
// naming the limit, or nullopt. One pass over the bytes, no allocation per line: the structure
// GMime would build is counted from the boundaries declared in the header blocks it would read.
std::optional<std::string> check_message_limits(std::string_view bytes,
                                                const MessageLimits& limits);

// Cuts text to at most max_bytes without splitting a UTF-8 sequence; true when it cut.
bool cut_utf8(std::string& text, size_t max_bytes);

}  // namespace bounced::classifiers
