#include "host_pattern.hpp"

#include <cctype>

namespace bounced::rules {

namespace {
bool iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}
}  // namespace

bool host_matches(std::string_view pattern, std::string_view host) {
  while (!host.empty() && host.back() == '.') host.remove_suffix(1);  // FQDN trailing dot
  if (pattern.starts_with("*.")) {
    const std::string_view suffix = pattern.substr(1);  // ".example.com"
    return host.size() > suffix.size() && iequal(host.substr(host.size() - suffix.size()), suffix);
  }
  return iequal(pattern, host);
}

}  // namespace bounced::rules
