// Scopes rule sets by host or domain name: exact names ("gmail.com") and wildcards
// ("*.google.com": any name below google.com, not google.com itself). A lookup walks the name's
// parent domains, so it costs the number of labels, not the number of patterns.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace bounced::rules {

class HostIndex {
 public:
  void add(std::string_view pattern, size_t value);

  // Every value whose pattern matches name (case-insensitive, trailing dot ignored): exact
  // matches first, then wildcards from the most specific suffix up. Each hit comes with the
  // pattern that matched, for explanations.
  struct Hit {
    size_t value;
    std::string_view pattern;
  };
  std::vector<Hit> find(std::string_view name) const;

 private:
  struct Entry {
    std::string pattern;
    std::vector<size_t> values;
  };
  std::unordered_map<std::string, Entry> exact_;
  std::unordered_map<std::string, Entry> below_;  // keyed by the suffix after "*."
};

}  // namespace bounced::rules
