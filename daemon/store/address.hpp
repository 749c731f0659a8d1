// Recipient addresses as the store compares them: the local part exactly as given (RFC 5321
// section 2.4: it may be case-sensitive), the domain lower-cased and IDN domains in their ASCII
// (A-label) form, so "Jane@BÜCHER.example" and "Jane@xn--bcher-kva.example" are one address.
#pragma once

#include <string>
#include <string_view>

namespace bounced::store {

// "" when there is no '@' or the domain is not a valid host name.
std::string normalize_address(std::string_view address);

// The text with its ASCII letters lower-cased, the rest as it is: how the store folds an
// address (or a whole normalised one, for the suppression list's key) to compare it without case.
std::string lower_ascii(std::string text);

// The domain of a normalised address ("" if none).
std::string_view address_domain_of(std::string_view normalized);

// The VERP token of an envelope address: what follows "prefix" + separator in the local part
// ("bounces+s-1234@..." -> "s-1234"). With an empty prefix, what follows the first separator.
// "" when the address does not carry one.
std::string verp_token(std::string_view envelope_address, std::string_view prefix, char separator);

}  // namespace bounced::store
