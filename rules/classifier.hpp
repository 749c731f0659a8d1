// The compiled, immutable classifier: rule sets compiled once into RE2::Sets of up to 16 rules,
// so a recipient costs one pass over its diagnostic per consulted shard, not one regex per rule.
// Thread-safe to share; a reload builds a new one and swaps the pointer.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "rule_loader.hpp"
#include "rule_set.hpp"
#include "taxonomy.hpp"

namespace bounced::rules {

// What the engine looks at for one failed recipient.
struct ClassifyInput {
  std::string_view recipient_domain;
  std::vector<std::string_view> hosts;  // Remote-MTA, Reporting-MTA, MX: for infrastructure sets
  std::string_view status;              // "5.1.1" or ""
  std::string_view reply_code;          // "550" or ""
  std::string_view command;             // "RCPT", "DATA", ... or "" (see smtp_command.hpp)
  std::string_view diagnostic;
  // The DSN Action (RFC 3464 2.3.3): "failed", "delayed", or "" for a prose bounce. A failed
  // recipient with a 4.x.x status is one the queue gave up on; a delayed one is still queued.
  std::string_view action;
};

struct Verdict {
  Category category = Category::unknown;
  std::string reason = "unclassified";
  // Which rule decided: a rule id, "status:5.1.1" or "reply:550" for RFC 3463 / RFC 5321
  // semantics, "none" when nothing did.
  std::string rule = "none";
  std::string ruleset;      // the rule set of `rule`, "" for semantics
  size_t match_begin = 0;   // the span of the diagnostic that the rule matched
  size_t match_end = 0;     // (filled by explain() only; classify() leaves both 0)
  bool downgraded = false;  // a hard verdict made soft because the failure was temporary (4xx)
};

struct Explanation {
  Verdict verdict;
  // Each rule set consulted, in order, with what it said: "gmail (domain gmail.com): no match".
  std::vector<std::string> consulted;
};

class Classifier;
using CompileResult = std::variant<std::shared_ptr<const Classifier>, std::vector<RuleDiagnostic>>;

class Classifier {
 public:
  // Compiles every rule; all regex errors are reported at once, each with its rule's location.
  static CompileResult compile(const std::vector<RuleSet>& sets);

  ~Classifier();
  Classifier(const Classifier&) = delete;
  Classifier& operator=(const Classifier&) = delete;

  Verdict classify(const ClassifyInput& input) const;
  Explanation explain(const ClassifyInput& input) const;

  // Runs every rule's examples (must be decided by that rule within its own set) and
  // counterexamples (must not match it). One diagnostic per failure.
  std::vector<RuleDiagnostic> check_examples() const;

  const std::vector<RuleSet>& sets() const { return sets_; }
  size_t rule_count() const;
  // RE2 sets the rules were compiled into; at most 16 for the defaults and for each scoped set.
  size_t automaton_count() const;

 private:
  Classifier();
  struct Compiled;
  template <typename Trace>
  Verdict decide(const ClassifyInput& input, Trace&& trace) const;

  std::vector<RuleSet> sets_;
  std::unique_ptr<Compiled> compiled_;
};

// Convenience for the CLI and daemon: load dirs, compile, and return either the classifier or
// every error (warnings are returned alongside in `warnings`).
struct BuiltClassifier {
  std::shared_ptr<const Classifier> classifier;
  std::vector<RuleDiagnostic> diagnostics;  // errors (then classifier is null) and warnings
};
BuiltClassifier build_classifier(const std::vector<std::string>& dirs);

}  // namespace bounced::rules
