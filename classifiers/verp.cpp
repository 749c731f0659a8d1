#include "verp.hpp"

#include "text_util.hpp"

namespace bounced::classifiers {

std::string decode_verp(std::string_view envelope_address, const VerpOptions& options) {
  const std::string address = normalize_address(envelope_address);
  if (address.empty()) return {};
  const std::string_view local = std::string_view(address).substr(0, address.rfind('@'));
  const size_t separator = local.find(options.separator);
  if (separator == std::string_view::npos) return {};
  if (!options.prefix.empty() && !iequals(local.substr(0, separator), options.prefix)) return {};
  const std::string_view encoded = local.substr(separator + 1);
  // The last '=' splits user and domain: local parts may themselves contain '='.
  const size_t equals = encoded.rfind(options.equals);
  if (equals == std::string_view::npos || equals == 0 || equals + 1 >= encoded.size()) return {};
  return normalize_address(std::string(encoded.substr(0, equals)) + "@" +
                           std::string(encoded.substr(equals + 1)));
}

}  // namespace bounced::classifiers
