// Variable Envelope Return Path (VERP) decoding: a bounce sent to
// "bounces+jane=example.com@bounce.sender.net" names its failed recipient, jane@example.com,
// in its own envelope address, whatever the bounce text says.
#pragma once

#include <string>
#include <string_view>

namespace bounced::classifiers {

struct VerpOptions {
  std::string prefix;    // required local-part prefix ("bounces"); "" accepts any
  char separator = '+';  // between prefix and the encoded recipient
  char equals = '=';     // stands for '@' inside the encoded recipient
};

// The recipient encoded in envelope_address, or "" when it is not a VERP address.
std::string decode_verp(std::string_view envelope_address, const VerpOptions& options);

}  // namespace bounced::classifiers
