#include "classifier.hpp"

#include <re2/re2.h>
#include <re2/set.h>

#include <algorithm>
#include <type_traits>
#include <unordered_map>

#include "host_index.hpp"
#include "semantic_bounds.hpp"
#include "smtp_command.hpp"
#include "smtp_reply.hpp"
#include "status_semantics.hpp"

namespace bounced::rules {

namespace {

RE2::Options rule_options() {
  RE2::Options options;
  options.set_case_sensitive(false);
  options.set_log_errors(false);
  // Large packs need more DFA memory than the default; running out would silently miss.
  options.set_max_mem(int64_t{256} << 20);
  return options;
}

bool glob_matches(std::string_view glob, std::string_view value) {
  // '*' matches any run of characters; everything else literally.
  size_t g = 0, v = 0, star = std::string_view::npos, mark = 0;
  while (v < value.size()) {
    if (g < glob.size() && glob[g] == '*') {
      star = g++;
      mark = v;
    } else if (g < glob.size() && glob[g] == value[v]) {
      ++g;
      ++v;
    } else if (star != std::string_view::npos) {
      g = star + 1;
      v = ++mark;
    } else {
      return false;
    }
  }
  while (g < glob.size() && glob[g] == '*') ++g;
  return g == glob.size();
}

bool filters_pass(const Rule& rule, std::string_view status, std::string_view reply_code,
                  std::string_view command) {
  auto any = [](const std::vector<std::string>& globs, std::string_view value) {
    if (globs.empty()) return true;
    if (value.empty()) return false;
    return std::any_of(globs.begin(), globs.end(),
                       [&](const std::string& g) { return glob_matches(g, value); });
  };
  const bool command_ok =
      rule.command.empty() ||
      std::find(rule.command.begin(), rule.command.end(), command) != rule.command.end();
  return any(rule.status, status) && any(rule.reply_code, reply_code) && command_ok;
}

}  // namespace

// A scope's rules are matched as several small RE2::Sets (shards) of consecutive rules, not one.
// RE2 builds its DFA lazily, and the states of one automaton for a whole pack multiply with every
// pattern that can be in progress at once: text it has not seen (every real diagnostic) cost a
// new state at almost every byte, ~3 ms per diagnostic for the shipped pack as one set, ~0.5 ms
// in shards of 8-16, while text already seen runs at about the same speed either way. The shards
// after the one whose rule decides are not run.
//
// A large pack would make many shards, and text that no rule matches walks them all: at 16 rules
// a shard, a 1,000-rule pack ran 63 cold automata per diagnostic (35,000 diagnostics/s against
// 1.2 million as one set). So a group has at most kMaxShards shards, larger ones when its pack is.
constexpr size_t kRulesPerShard = 16;
constexpr size_t kMaxShards = 16;

size_t rules_per_shard(size_t rules_in_group) {
  return std::max(kRulesPerShard, (rules_in_group + kMaxShards - 1) / kMaxShards);
}

struct Shard {
  std::unique_ptr<RE2::Set> set;
  size_t first = 0;  // group index of the shard's first rule; set indexes follow on
};

// One group of shards per scope. Each entry points back at its rule and the set it came from.
struct CompiledGroup {
  std::vector<Shard> shards;
  std::vector<const Rule*> rules;
  size_t yielding_end = 0;  // one past the last rule that yields to another: none at or after it
  std::vector<const RuleSet*> owners;
  std::string label;
};

struct Classifier::Compiled {
  std::vector<CompiledGroup> scoped;  // one per domain/infrastructure set, in load order
  CompiledGroup defaults;             // every default set merged, in load order
  HostIndex domains;                  // recipient domain -> scoped set
  HostIndex infrastructure;           // Remote-MTA / reporting host -> scoped set
};

Classifier::Classifier() : compiled_(std::make_unique<Compiled>()) {}
Classifier::~Classifier() = default;

size_t Classifier::rule_count() const {
  size_t count = 0;
  for (const auto& set : sets_) count += set.rules.size();
  return count;
}

size_t Classifier::automaton_count() const {
  size_t count = compiled_->defaults.shards.size();
  for (const auto& group : compiled_->scoped) count += group.shards.size();
  return count;
}

CompileResult Classifier::compile(const std::vector<RuleSet>& sets) {
  std::shared_ptr<Classifier> classifier(new Classifier());
  classifier->sets_ = sets;
  std::vector<RuleDiagnostic> errors;
  auto add_rules = [&](CompiledGroup& group, const RuleSet& set, size_t per_shard) {
    for (const Rule& rule : set.rules) {
      if (group.shards.empty() || group.rules.size() - group.shards.back().first == per_shard) {
        group.shards.push_back(
            {std::make_unique<RE2::Set>(rule_options(), RE2::UNANCHORED), group.rules.size()});
      }
      std::string error;
      if (group.shards.back().set->Add(rule.match, &error) < 0) {
        errors.push_back({rule.source, "rule '" + rule.id + "': invalid regex: " + error, true});
        continue;
      }
      group.rules.push_back(&rule);
      if (!rule.yields_to.empty()) group.yielding_end = group.rules.size();
      group.owners.push_back(&set);
    }
  };
  Compiled& compiled = *classifier->compiled_;
  compiled.defaults.label = "default";
  size_t default_rules = 0;
  for (const RuleSet& set : classifier->sets_) {
    if (set.is_default()) default_rules += set.rules.size();
  }
  for (const RuleSet& set : classifier->sets_) {
    if (set.is_default()) {
      add_rules(compiled.defaults, set, rules_per_shard(default_rules));
      continue;
    }
    CompiledGroup group;
    group.label = set.name;
    add_rules(group, set, rules_per_shard(set.rules.size()));
    const size_t index = compiled.scoped.size();
    for (const auto& domain : set.domains) compiled.domains.add(domain, index);
    for (const auto& host : set.infrastructure) compiled.infrastructure.add(host, index);
    compiled.scoped.push_back(std::move(group));
  }
  if (!errors.empty()) return errors;
  for (CompiledGroup* group : [&] {
         std::vector<CompiledGroup*> all{&compiled.defaults};
         for (auto& g : compiled.scoped) all.push_back(&g);
         return all;
       }()) {
    for (Shard& shard : group->shards) {
      if (!shard.set->Compile()) {
        errors.push_back({group->label, "rule set too large to compile (RE2 out of memory)", true});
        break;
      }
    }
  }
  if (!errors.empty()) return errors;
  return std::shared_ptr<const Classifier>(std::move(classifier));
}

namespace {

// The rules of one group that match the text and pass their filters: the first in order, the
// first that yields to nothing, and the first that yields (an expiry-like rule) anywhere in order.
struct GroupMatch {
  std::optional<size_t> first;
  std::optional<size_t> first_plain;
  std::optional<size_t> first_yielding;
};

GroupMatch match_group(const CompiledGroup& group, const ClassifyInput& input) {
  GroupMatch match;
  if (group.rules.empty() || input.diagnostic.empty()) return match;
  // Shards hold consecutive rules, so their hits come out in rule order, and the shards after
  // the one that decided are not run at all.
  std::vector<int> hits;
  for (const Shard& shard : group.shards) {
    if (match.first_plain && (match.first_yielding || shard.first >= group.yielding_end)) break;
    if (!shard.set->Match(input.diagnostic, &hits)) continue;
    std::sort(hits.begin(), hits.end());
    for (int hit : hits) {
      const size_t index = shard.first + static_cast<size_t>(hit);
      const Rule& rule = *group.rules[index];
      if (!filters_pass(rule, input.status, input.reply_code, input.command)) continue;
      if (!match.first) match.first = index;
      if (rule.yields_to.empty()) {
        if (!match.first_plain) match.first_plain = index;
      } else if (!match.first_yielding) {
        match.first_yielding = index;
      }
      if (match.first_plain && match.first_yielding) return match;
    }
  }
  return match;
}

// What a queue that gave up (a DSN "failed" under 4.x.x) may still conclude from its last error:
// the mailbox said it is full, unknown, moved, invalid or disabled. A domain judged unknown or
// taking no mail from DNS answers seen under a temporary status stays soft: DNS trouble passes.
bool is_final_reason(std::string_view reason) {
  for (std::string_view r :
       {"mailbox_full", "user_unknown", "has_moved", "address_invalid", "mailbox_disabled"}) {
    if (r == reason) return true;
  }
  return false;
}

bool yields(const Rule& yielding, const Rule& candidate) {
  return std::find(yielding.yields_to.begin(), yielding.yields_to.end(), candidate.reason) !=
         yielding.yields_to.end();
}

Verdict verdict_from_rule(const CompiledGroup& group, size_t index) {
  const Rule& rule = *group.rules[index];
  Verdict verdict;
  verdict.category = rule.category;
  verdict.reason = rule.reason;
  verdict.rule = rule.id;
  verdict.ruleset = group.owners[index]->name;
  return verdict;
}

// The span costs a second regex run, so only `explain` asks for it. The rule's own regex is
// compiled here, not at load: compiling one per rule was a quarter of the start-up time.
void locate_span(const CompiledGroup& group, size_t index, const ClassifyInput& input,
                 Verdict& verdict) {
  const RE2 regex(group.rules[index]->match, rule_options());
  re2::StringPiece span;
  if (regex.Match(input.diagnostic, 0, input.diagnostic.size(), RE2::UNANCHORED, &span, 1)) {
    verdict.match_begin = static_cast<size_t>(span.data() - input.diagnostic.data());
    verdict.match_end = verdict.match_begin + span.size();
  }
}

struct NoTrace {
  void operator()(const std::string&) const {}
};

}  // namespace

template <typename Trace>
Verdict Classifier::decide(const ClassifyInput& input, Trace&& trace) const {
  // Explanations are built only for explain(): classify() must not pay for the strings.
  constexpr bool tracing = !std::is_same_v<std::decay_t<Trace>, NoTrace>;
  const Compiled& compiled = *compiled_;
  // Scoped sets in precedence order: the recipient's domain, then the receiving hosts.
  struct Candidate {
    size_t index;
    std::string_view pattern;
    std::string_view host;  // empty for a domain match
  };
  std::vector<Candidate> candidates;
  auto add_candidate = [&](const HostIndex::Hit& hit, std::string_view host) {
    for (const auto& c : candidates) {
      if (c.index == hit.value) return;
    }
    candidates.push_back({hit.value, hit.pattern, host});
  };
  for (const auto& hit : compiled.domains.find(input.recipient_domain)) add_candidate(hit, {});
  for (std::string_view host : input.hosts) {
    for (const auto& hit : compiled.infrastructure.find(host)) add_candidate(hit, host);
  }
  auto why = [&](const Candidate& c) {
    return c.host.empty()
               ? "domain " + std::string(c.pattern)
               : "infrastructure " + std::string(c.pattern) + " ~ " + std::string(c.host);
  };

  // The deciding rule: its group and index, and the rule it took over from when an expiry-like
  // rule yielded to the error its text quotes.
  const CompiledGroup* group = nullptr;
  size_t index = 0;
  const Rule* yielded_from = nullptr;
  auto take = [&](const CompiledGroup& g, const GroupMatch& m) {
    group = &g;
    index = *m.first;
    const Rule& first = *g.rules[index];
    if (first.yields_to.empty()) {
      // A quoted error decided before any expiry rule was reached: the retries are still over.
      if (m.first_yielding && yields(*g.rules[*m.first_yielding], first)) {
        yielded_from = g.rules[*m.first_yielding];
      }
      return;
    }
    // The pack without the expiry rules, asked about the same text: in this group, then (for a
    // scoped group) in the default set, which holds the general wording classes.
    if (m.first_plain && yields(first, *g.rules[*m.first_plain])) {
      index = *m.first_plain;
      yielded_from = &first;
      return;
    }
    if (&g != &compiled.defaults) {
      const GroupMatch general = match_group(compiled.defaults, input);
      if (general.first_plain && yields(first, *compiled.defaults.rules[*general.first_plain])) {
        group = &compiled.defaults;
        index = *general.first_plain;
        yielded_from = &first;
      }
    }
  };
  for (size_t i = 0; i < candidates.size() && group == nullptr; ++i) {
    const CompiledGroup& scoped = compiled.scoped[candidates[i].index];
    const GroupMatch m = match_group(scoped, input);
    if (m.first) take(scoped, m);
    if constexpr (tracing) {
      trace(scoped.label + " (" + why(candidates[i]) +
            "): " + (m.first ? "matched " + scoped.rules[*m.first]->id : std::string("no match")));
    }
  }
  if (group == nullptr) {
    const GroupMatch m = match_group(compiled.defaults, input);
    if (m.first) take(compiled.defaults, m);
    if constexpr (tracing) {
      trace(m.first ? "default set: matched " + compiled.defaults.rules[*m.first]->id + " in " +
                          compiled.defaults.owners[*m.first]->name
                    : std::string("default set: no match"));
    }
  }

  // A catch-all wording gives way to an enhanced status that names the reason: "550 5.2.2
  // rejected" is a full mailbox, "554 5.1.1 Service unavailable" an unknown user.
  if (group != nullptr && group->rules[index]->generic) {
    if (auto meaning = specific_meaning_of_status(input.status)) {
      if constexpr (tracing) {
        trace(group->rules[index]->id + " is generic wording: status " + std::string(input.status) +
              " decides");
      }
      group = nullptr;
      yielded_from = nullptr;
    }
  }

  Verdict verdict;
  if (group != nullptr) {
    verdict = verdict_from_rule(*group, index);
    if constexpr (tracing) {
      locate_span(*group, index, input, verdict);
      if (yielded_from != nullptr) {
        trace(yielded_from->id + " yields to " + verdict.rule + " (" + verdict.reason +
              "): the last error quoted says why");
      }
    }
  } else {
    bool decided = false;
    if (auto meaning = meaning_of_status(input.status)) {
      verdict.category = meaning->category;
      verdict.reason = std::string(meaning->reason);
      verdict.rule = "status:" + std::string(input.status);
      decided = true;
    } else if (auto by_code = meaning_of_reply_code(input.reply_code)) {
      verdict.category = by_code->category;
      verdict.reason = std::string(by_code->reason);
      verdict.rule = "reply:" + std::string(input.reply_code);
      decided = true;
    } else if (!input.status.empty() && input.status.front() == '4') {
      verdict.category = Category::soft;
      verdict.reason = "system_error";
      verdict.rule = "status:" + std::string(input.status);
      decided = true;
    }
    if constexpr (tracing) {
      trace(decided ? "status semantics: " + verdict.rule
                    : std::string("status semantics: nothing"));
    }
  }
  // A DSN that says "failed" under a 4.x.x status is the queue giving up (Postfix's
  // maximal_queue_lifetime, Exim's retry timeout): the retries are over, like an expiry rule.
  // The last error decides when a rule read a reason in it: a mailbox reason is then final (what
  // an expiry rule yields to), a soft one ("rate limited", "connection refused") stays, since it
  // says on which side the fault was. Only a status code or a catch-all wording is "expired".
  const bool retries_over =
      input.action == "failed" && !input.status.empty() && input.status.front() == '4';
  bool gave_up = false;
  if (retries_over) {
    // A reason from the status code alone is no last error: only a rule's words are.
    if (group != nullptr && is_final_reason(verdict.reason)) {
      gave_up = true;
    } else if (group == nullptr || group->rules[index]->generic ||
               verdict.category == Category::unknown) {
      if constexpr (tracing)
        trace("action failed under " + std::string(input.status) +
              ": the retries ran out (expired)");
      verdict.category = Category::soft;
      verdict.reason = "expired";
      verdict.rule = "action:failed";
      verdict.ruleset.clear();
    }
  }
  // Where the refusal happened and what class of failure it was bound what the words may say.
  // An expiry that yielded to its quoted error is final: the retries are over. A delay warning
  // that yielded is not: the message is still queued.
  const bool final = gave_up || (yielded_from != nullptr && yielded_from->reason == "expired");
  const FailureFacts facts{input.command, input.status, input.reply_code, final};
  if (auto bound = semantic_bound(verdict.category, verdict.reason, facts)) {
    if constexpr (tracing) {
      trace("bound: " + std::string(bound->why) + " (" + std::string(to_string(verdict.category)) +
            "/" + verdict.reason + " -> " + std::string(to_string(bound->category)) + "/" +
            (bound->reason.empty() ? verdict.reason : std::string(bound->reason)) + ")");
    }
    verdict.category = bound->category;
    if (!bound->reason.empty()) verdict.reason = std::string(bound->reason);
    verdict.downgraded = bound->temporary;
  }
  // A DSN that says "delayed" is a progress note: the message is still queued, so nothing is
  // decided for good.
  if (input.action == "delayed" &&
      (verdict.category == Category::hard || verdict.category == Category::unknown)) {
    if constexpr (tracing) trace("action delayed: still queued, never hard");
    verdict.category = Category::soft;
    verdict.reason = "delayed";
  }
  return verdict;
}

Verdict Classifier::classify(const ClassifyInput& input) const {
  return decide(input, NoTrace{});
}

Explanation Classifier::explain(const ClassifyInput& input) const {
  Explanation explanation;
  explanation.verdict =
      decide(input, [&](const std::string& line) { explanation.consulted.push_back(line); });
  return explanation;
}

std::vector<RuleDiagnostic> Classifier::check_examples() const {
  std::vector<RuleDiagnostic> problems;
  auto check_group = [&](const CompiledGroup& group) {
    for (size_t i = 0; i < group.rules.size(); ++i) {
      const Rule& rule = *group.rules[i];
      const RE2 regex(rule.match, rule_options());
      if (rule.examples.empty()) {
        problems.push_back({rule.source, "rule '" + rule.id + "' has no examples", true});
      }
      for (const auto& example : rule.examples) {
        const SmtpReply reply = find_smtp_reply(example);
        ClassifyInput input;
        input.diagnostic = example;
        input.status = reply.status;
        input.reply_code = reply.reply_code;
        const std::string command = find_smtp_command(example);
        input.command = command;
        if (!RE2::PartialMatch(example, regex)) {
          problems.push_back({rule.source,
                              "rule '" + rule.id + "': example does not match: \"" + example + "\"",
                              true});
          continue;
        }
        if (!filters_pass(rule, reply.status, reply.reply_code, command)) {
          problems.push_back({rule.source,
                              "rule '" + rule.id +
                                  "': example fails the status/reply_code filter: \"" + example +
                                  "\"",
                              true});
          continue;
        }
        // Within its own scope the example must reach this rule: an earlier rule that takes it
        // with another reason shadows this one.
        if (auto first = match_group(group, input).first; first && *first != i) {
          const Rule& earlier = *group.rules[*first];
          if (earlier.reason != rule.reason || earlier.category != rule.category) {
            problems.push_back({rule.source,
                                "rule '" + rule.id + "': example is taken first by '" + earlier.id +
                                    "' (" + earlier.reason + ") at " + earlier.source + ": \"" +
                                    example + "\"",
                                true});
          }
        }
      }
      for (const auto& counter : rule.counterexamples) {
        if (RE2::PartialMatch(counter, regex)) {
          problems.push_back({rule.source,
                              "rule '" + rule.id + "': counterexample matches: \"" + counter + "\"",
                              true});
        }
      }
    }
  };
  check_group(compiled_->defaults);
  for (const auto& group : compiled_->scoped) check_group(group);
  return problems;
}

BuiltClassifier build_classifier(const std::vector<std::string>& dirs) {
  LoadedRules loaded = load_rule_directories(dirs);
  BuiltClassifier built;
  built.diagnostics = loaded.diagnostics;
  if (!loaded.ok()) return built;
  auto compiled = Classifier::compile(loaded.sets);
  if (auto* errors = std::get_if<std::vector<RuleDiagnostic>>(&compiled)) {
    built.diagnostics.insert(built.diagnostics.end(), errors->begin(), errors->end());
    return built;
  }
  built.classifier = std::get<std::shared_ptr<const Classifier>>(std::move(compiled));
  return built;
}

}  // namespace bounced::rules
