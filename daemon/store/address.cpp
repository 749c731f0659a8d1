#include "address.hpp"

#include <glib.h>

#include <algorithm>
#include <memory>

namespace bounced::store {

namespace {

std::string_view trim_address(std::string_view address) {
  while (!address.empty() && (address.front() == '<' || address.front() == ' ' ||
                              address.front() == '\t' || address.front() == '"')) {
    address.remove_prefix(1);
  }
  while (!address.empty() &&
         (address.back() == '>' || address.back() == ' ' || address.back() == '\t' ||
          address.back() == '.' || address.back() == '\r' || address.back() == '\n')) {
    address.remove_suffix(1);
  }
  return address;
}

// Control characters, spaces and DEL occur in no host name; GLib's IDNA conversion below would
// also stop at a NUL and return what came before it.
bool has_control_or_space(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u <= 0x20 || u == 0x7f;
  });
}

// What an IDNA conversion may hand back: letters, digits, hyphen, dot (and '_', which real DNS
// names carry). Anything else means the input was not a host name.
bool is_host_name(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return g_ascii_isalnum(c) || c == '-' || c == '.' || c == '_'; });
}

bool is_ascii(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return (static_cast<unsigned char>(c) & 0x80) == 0; });
}

}  // namespace

std::string normalize_address(std::string_view address) {
  address = trim_address(address);
  const size_t at = address.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == address.size()) return "";
  std::string domain(address.substr(at + 1));
  if (has_control_or_space(domain)) return "";
  if (!is_ascii(domain)) {
    // GLib's IDNA (UTS #46) conversion; it is already linked through GMime. It takes UTF-8
    // only: given an overlong sequence such as C1 80 it decodes it and hands back '@'.
    if (!g_utf8_validate(domain.data(), static_cast<gssize>(domain.size()), nullptr)) return "";
    std::unique_ptr<gchar, decltype(&g_free)> ace(g_hostname_to_ascii(domain.c_str()), g_free);
    // Characters IDNA maps to nothing (U+034F) can leave only the dots behind; a domain that
    // ends in a dot here would lose it to trim_address on the next pass.
    if (!ace || !is_host_name(ace.get())) return "";
    domain = ace.get();
    if (domain.empty() || domain.back() == '.') return "";
  }
  return std::string(address.substr(0, at + 1)) + lower_ascii(std::move(domain));
}

std::string lower_ascii(std::string text) {
  for (char& c : text) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return text;
}

std::string_view address_domain_of(std::string_view normalized) {
  const size_t at = normalized.rfind('@');
  return at == std::string_view::npos ? std::string_view() : normalized.substr(at + 1);
}

std::string verp_token(std::string_view envelope_address, std::string_view prefix, char separator) {
  envelope_address = trim_address(envelope_address);
  const size_t at = envelope_address.rfind('@');
  const std::string_view local =
      at == std::string_view::npos ? envelope_address : envelope_address.substr(0, at);
  if (!prefix.empty()) {
    if (local.size() <= prefix.size() + 1 || local.substr(0, prefix.size()) != prefix ||
        local[prefix.size()] != separator) {
      return "";
    }
    return std::string(local.substr(prefix.size() + 1));
  }
  const size_t sep = local.find(separator);
  if (sep == std::string_view::npos || sep + 1 == local.size()) return "";
  return std::string(local.substr(sep + 1));
}

}  // namespace bounced::store
