// Rules as loaded from YAML, before compilation: plain values that a loader builds, an override
// directory amends, and the Classifier compiles once.
#pragma once

#include <string>
#include <vector>

#include "taxonomy.hpp"

namespace bounced::rules {

struct Rule {
  std::string id;
  std::string match;                    // RE2 pattern on the diagnostic text (case-insensitive)
  std::vector<std::string> status;      // globs on the enhanced status, "5.1.*"; empty = any
  std::vector<std::string> reply_code;  // globs on the SMTP reply code, "55*"; empty = any
  std::vector<std::string> command;     // SMTP commands the rejection answered: RCPT, DATA, ...
  // Reasons this rule gives way to when the rest of the pack, asked without it, finds one of them
  // in the same text: an expiry notice that quotes its last error ("retry timeout exceeded ...
  // 452 4.2.2 Mailbox full") is decided by that error. Empty: the rule decides alone.
  std::vector<std::string> yields_to;
  // The wording names no reason of its own ("rejected", "service unavailable", "try again later"):
  // an enhanced status whose detail does (5.1.1, 4.2.2, see specific_meaning_of_status) decides
  // instead. RFC 3463 codes are the receiver's own classification, a catch-all wording is not.
  bool generic = false;
  Category category = Category::unknown;
  std::string reason;
  std::string description;
  std::vector<std::string> examples;
  std::vector<std::string> counterexamples;
  std::string source;  // "rules/default/gmail.yaml:14:5"
};

struct RuleSet {
  std::string name;
  std::string description;
  std::vector<std::string> domains;         // exact or "*.example.com"
  std::vector<std::string> infrastructure;  // host patterns, "*.protection.outlook.com"
  std::vector<Rule> rules;
  std::string source;

  // Neither domains nor infrastructure: applies to every recipient, after the scoped sets.
  bool is_default() const { return domains.empty() && infrastructure.empty(); }
};

// A located problem in a rule pack. Errors stop a load; warnings (unknown keys) do not.
struct RuleDiagnostic {
  std::string location;  // "file:line:column"
  std::string message;
  bool is_error = true;

  std::string to_string() const {
    return location + ": " + (is_error ? "" : "warning: ") + message;
  }
};

}  // namespace bounced::rules
