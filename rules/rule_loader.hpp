// Reads rule packs from YAML (format: rules/README.md, bounced-rules(5)) and merges them in
// order: a later file's rule with an id already seen replaces the earlier one, so an override
// directory (/etc/bounced/rules.d) can change a shipped rule without copying the pack.
#pragma once

#include <string>
#include <vector>

#include "rule_set.hpp"

namespace bounced::rules {

struct LoadedRules {
  std::vector<RuleSet> sets;
  std::vector<RuleDiagnostic> diagnostics;  // errors and warnings, in file order

  bool ok() const;
};

class RuleLoader {
 public:
  // Adds every *.yaml / *.yml file of dir, in file-name order.
  void add_directory(const std::string& dir);
  // Adds one YAML document; source names it in diagnostics.
  void add_document(const std::string& source, const std::string& text);

  // The merged sets. Structural checks happen while adding; regexes are checked when the
  // Classifier compiles them.
  LoadedRules finish() &&;

 private:
  void add_rule(RuleSet& set, Rule rule);
  LoadedRules result_;
};

// Convenience: load dirs in order.
LoadedRules load_rule_directories(const std::vector<std::string>& dirs);

}  // namespace bounced::rules
