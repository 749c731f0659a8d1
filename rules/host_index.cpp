#include "host_index.hpp"

#include <algorithm>

namespace bounced::rules {

namespace {

std::string lower_host(std::string_view name) {
  while (!name.empty() && name.back() == '.') name.remove_suffix(1);  // FQDN trailing dot
  std::string out(name);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) {
    return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  });
  return out;
}

}  // namespace

void HostIndex::add(std::string_view pattern, size_t value) {
  const bool wildcard = pattern.starts_with("*.");
  const std::string key = lower_host(wildcard ? pattern.substr(2) : pattern);
  Entry& entry = (wildcard ? below_ : exact_)[key];
  entry.pattern = std::string(pattern);
  entry.values.push_back(value);
}

std::vector<HostIndex::Hit> HostIndex::find(std::string_view name) const {
  std::vector<Hit> hits;
  if (name.empty()) return hits;
  const std::string host = lower_host(name);
  if (auto it = exact_.find(host); it != exact_.end()) {
    for (size_t value : it->second.values) hits.push_back({value, it->second.pattern});
  }
  if (below_.empty()) return hits;
  // "a.b.example.com" is below "b.example.com", "example.com" and "com".
  for (size_t dot = host.find('.'); dot != std::string::npos; dot = host.find('.', dot + 1)) {
    if (auto it = below_.find(host.substr(dot + 1)); it != below_.end()) {
      for (size_t value : it->second.values) hits.push_back({value, it->second.pattern});
    }
  }
  return hits;
}

}  // namespace bounced::rules
