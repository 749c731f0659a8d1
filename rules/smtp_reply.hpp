// Finds the SMTP reply code (RFC 5321 section 4.2) and enhanced status code (RFC 3463) inside
// free text such as a Diagnostic-Code or the prose of a non-DSN bounce.
#pragma once

#include <string>
#include <string_view>

namespace bounced::rules {

struct SmtpReply {
  std::string reply_code;  // "550", "" if none
  std::string status;      // "5.1.1", "" if none
};

// Scans text once. A status is "c.s.d" with class 2, 4 or 5 that is not part of a longer dotted
// number or a version (so IP addresses and "v5.1.2" are not mistaken for it). A reply code is read
// only where an SMTP reply stands: directly followed by a status code ("550 5.1.1", "550-5.1.1"),
// or at the start of the text or of a line, or after the words that introduce a reply ("said:",
// "smtp;", "...RCPT TO:<x>:", "#550", "'550"), and never when it measures something ("size: 250
// KB", "port: 465", "(550 bytes)"). A failure (4xx/5xx) outranks a success anywhere in the text:
// a transcript's "250 OK" before the "550" that failed the recipient is not its reply.
SmtpReply find_smtp_reply(std::string_view text);

// Just the first enhanced status code in text, "" if none.
std::string find_status_code(std::string_view text);

// A status is "more specific" when its subject or detail is non-zero: 5.1.1 says more than 5.0.0.
bool is_specific_status(std::string_view status);

}  // namespace bounced::rules
