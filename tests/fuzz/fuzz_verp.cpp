// libFuzzer target: decoding a VERP envelope address, both the parser's recipient decoding
// ("bounces+jane=example.org@...") and the store's token extraction and address normalisation
// (IDN domains to A-labels). The first byte picks the separator, bytes up to the first NUL are
// the prefix, the rest is the address.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "address.hpp"
#include "verp.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  const char separator = static_cast<char>(data[0]);
  std::string_view prefix;
  if (const size_t nul = rest.find('\0'); nul != std::string_view::npos) {
    prefix = rest.substr(0, nul);
    rest.remove_prefix(nul + 1);
  }
  bounced::classifiers::VerpOptions options;
  options.prefix = std::string(prefix);
  options.separator = separator;
  const std::string recipient = bounced::classifiers::decode_verp(rest, options);
  if (!recipient.empty() && recipient.find('@') == std::string::npos) std::abort();
  (void)bounced::store::verp_token(rest, prefix, separator);
  const std::string normalized = bounced::store::normalize_address(rest);
  if (!normalized.empty()) {
    // Normalising is idempotent: the store compares normalised addresses with each other.
    if (bounced::store::normalize_address(normalized) != normalized) std::abort();
  }
  return 0;
}
