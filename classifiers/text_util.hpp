// Small string helpers shared by the readers. Pure functions over UTF-8 text.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace bounced::classifiers {

std::string_view trim(std::string_view text);
std::string to_lower(std::string_view text);
bool iequals(std::string_view a, std::string_view b);
bool istarts_with(std::string_view text, std::string_view prefix);

// Runs of whitespace (including folded line breaks) become one space; ends trimmed.
std::string collapse_whitespace(std::string_view text);

// Splits on \n, dropping a trailing \r from each line.
std::vector<std::string_view> split_lines(std::string_view text);

// "rfc822; <User@Example.COM>" -> "User@example.com": strips an RFC 3464 address-type prefix,
// angle brackets, quotes, a "mailto:" and trailing dots; lower-cases the domain only, because
// local parts are case-sensitive by RFC 5321 but domains are not. "" if it is no address.
std::string normalize_address(std::string_view raw);

// Every address of an address-list header ("a@x.example, B <b@y.example>"), lower-cased.
std::vector<std::string> addresses_in_list(std::string_view header);

// Cuts text to at most max_bytes without splitting a UTF-8 sequence.
void truncate_utf8(std::string& text, size_t max_bytes);

// The domain part of an address, lower-cased; "" if none.
std::string address_domain(std::string_view address);

// True for a plausible addr-spec: one '@', a non-empty local part and a dotted domain.
bool looks_like_address(std::string_view text);

// Strips a "dns; " / "smtp; " type prefix from a Remote-MTA, Reporting-MTA or Diagnostic-Code.
std::string_view strip_type_prefix(std::string_view value);

}  // namespace bounced::classifiers
