// The rule engine: precedence, scoping, filters, overrides and every validation error.
#include <catch2/catch.hpp>

#include "classifier.hpp"
#include "rule_loader.hpp"

using namespace bounced::rules;

namespace {

std::shared_ptr<const Classifier> compile_docs(
    std::initializer_list<std::pair<const char*, const char*>> docs) {
  RuleLoader loader;
  for (const auto& [name, text] : docs) loader.add_document(name, text);
  LoadedRules loaded = std::move(loader).finish();
  for (const auto& d : loaded.diagnostics) INFO(d.to_string());
  REQUIRE(loaded.ok());
  auto compiled = Classifier::compile(loaded.sets);
  REQUIRE(std::holds_alternative<std::shared_ptr<const Classifier>>(compiled));
  return std::get<std::shared_ptr<const Classifier>>(compiled);
}

std::vector<RuleDiagnostic> load_errors(const char* text) {
  RuleLoader loader;
  loader.add_document("pack.yaml", text);
  LoadedRules loaded = std::move(loader).finish();
  std::vector<RuleDiagnostic> errors;
  for (const auto& d : loaded.diagnostics) {
    if (d.is_error) errors.push_back(d);
  }
  if (errors.empty()) {
    auto compiled = Classifier::compile(loaded.sets);
    if (auto* e = std::get_if<std::vector<RuleDiagnostic>>(&compiled)) return *e;
  }
  return errors;
}

ClassifyInput input(std::string_view domain, std::string_view status, std::string_view code,
                    std::string_view text, std::vector<std::string_view> hosts = {}) {
  ClassifyInput in;
  in.recipient_domain = domain;
  in.status = status;
  in.reply_code = code;
  in.diagnostic = text;
  in.hosts = std::move(hosts);
  return in;
}

constexpr const char* kDefault = R"(
ruleset: generic
rules:
  - id: generic-unknown-user
    match: 'user unknown'
    category: hard
    reason: user_unknown
    examples: ["550 5.1.1 User unknown"]
  - id: generic-over-quota
    match: 'over quota|mailbox (is )?full'
    category: quota
    reason: mailbox_full
    examples: ["552 5.2.2 Mailbox full"]
  - id: generic-spam-block
    match: 'blocked'
    status: "5.7.*"
    category: soft
    reason: blocked_reputation
    examples: ["550 5.7.1 Message blocked"]
)";

constexpr const char* kProvider = R"(
ruleset: bigmail
domains: [bigmail.example, "*.bigmail.example"]
infrastructure: ["*.mx.bigmail.example"]
rules:
  - id: bigmail-inactive
    match: 'user unknown'
    category: soft
    reason: mailbox_disabled
    description: bigmail says "user unknown" for accounts it has suspended.
    examples: ["550 5.1.1 User unknown"]
)";

}  // namespace

TEST_CASE("domain rules come before the default set", "[rules][precedence]") {
  auto classifier = compile_docs({{"a.yaml", kDefault}, {"b.yaml", kProvider}});
  const Verdict at_provider =
      classifier->classify(input("bigmail.example", "5.1.1", "550", "550 5.1.1 User unknown"));
  CHECK(at_provider.rule == "bigmail-inactive");
  CHECK(at_provider.category == Category::soft);
  const Verdict elsewhere =
      classifier->classify(input("other.example", "5.1.1", "550", "550 5.1.1 User unknown"));
  CHECK(elsewhere.rule == "generic-unknown-user");
  CHECK(elsewhere.category == Category::hard);
}

TEST_CASE("a wildcard domain matches subdomains only", "[rules][wildcard]") {
  auto classifier = compile_docs({{"a.yaml", kDefault}, {"b.yaml", kProvider}});
  CHECK(classifier->classify(input("eu.bigmail.example", "5.1.1", "550", "User unknown")).rule ==
        "bigmail-inactive");
  CHECK(classifier->classify(input("notbigmail.example", "5.1.1", "550", "User unknown")).rule ==
        "generic-unknown-user");
}

TEST_CASE("infrastructure rules apply to hosted domains by their MX", "[rules][infrastructure]") {
  auto classifier = compile_docs({{"a.yaml", kDefault}, {"b.yaml", kProvider}});
  const Verdict hosted = classifier->classify(
      input("customer.example", "5.1.1", "550", "User unknown", {"in1.mx.bigmail.example"}));
  CHECK(hosted.rule == "bigmail-inactive");
  CHECK(hosted.ruleset == "bigmail");
}

TEST_CASE("status filters restrict a rule", "[rules][filters]") {
  auto classifier = compile_docs({{"a.yaml", kDefault}});
  CHECK(classifier->classify(input("x.example", "5.7.1", "550", "blocked")).rule ==
        "generic-spam-block");
  // Same words, other status: the filter fails, RFC 3463 semantics decide.
  const Verdict other = classifier->classify(input("x.example", "5.2.1", "550", "blocked"));
  CHECK(other.rule == "status:5.2.1");
  CHECK(other.reason == "mailbox_disabled");
  // A filter on a status the bounce does not carry does not match.
  CHECK(classifier->classify(input("x.example", "", "550", "blocked")).rule !=
        "generic-spam-block");
}

TEST_CASE("rule order decides within a set", "[rules][precedence]") {
  auto classifier = compile_docs({{"a.yaml", kDefault}});
  // Both rules match; the earlier one wins.
  CHECK(
      classifier->classify(input("x.example", "5.1.1", "550", "user unknown, mailbox full")).rule ==
      "generic-unknown-user");
}

TEST_CASE("a large pack is matched in at most 16 automata, in rule order", "[rules][precedence]") {
  // 1,000 rules, each matching its own token; rule 500 and rule 999 also match "shared".
  std::string pack = "ruleset: big\nrules:\n";
  for (int i = 0; i < 1000; ++i) {
    const std::string n = std::to_string(i);
    const bool shared = i == 500 || i == 999;
    pack += "  - id: r" + n + "\n    match: 'tok" + n + "x" + (shared ? "|shared" : "") +
            "'\n    category: soft\n    reason: policy_rejected\n";
  }
  RuleLoader loader;
  loader.add_document("big.yaml", pack);
  LoadedRules loaded = std::move(loader).finish();
  REQUIRE(loaded.ok());
  auto compiled = Classifier::compile(loaded.sets);
  REQUIRE(std::holds_alternative<std::shared_ptr<const Classifier>>(compiled));
  const auto& classifier = std::get<std::shared_ptr<const Classifier>>(compiled);
  CHECK(classifier->automaton_count() == 16);
  CHECK(classifier->classify(input("x.example", "5.7.1", "550", "no tok999x here")).rule == "r999");
  CHECK(classifier->classify(input("x.example", "5.7.1", "550", "tok0x")).rule == "r0");
  CHECK(classifier->classify(input("x.example", "5.7.1", "550", "shared")).rule == "r500");
  // A small pack keeps 16 rules a shard.
  CHECK(compile_docs({{"a.yaml", kDefault}})->automaton_count() == 1);
}

TEST_CASE("a temporary failure is never hard", "[rules][downgrade]") {
  auto classifier = compile_docs({{"a.yaml", kDefault}});
  const Verdict v = classifier->classify(input("x.example", "4.1.1", "450", "User unknown"));
  CHECK(v.category == Category::soft);
  CHECK(v.reason == "user_unknown");
  CHECK(v.downgraded);
}

TEST_CASE("RFC 3463 semantics are the last resort", "[rules][semantics]") {
  auto classifier = compile_docs({{"a.yaml", kDefault}});
  CHECK(classifier->classify(input("x.example", "5.2.2", "552", "no words we know")).category ==
        Category::quota);
  CHECK(classifier->classify(input("x.example", "5.1.2", "", "")).reason == "domain_unknown");
  CHECK(classifier->classify(input("x.example", "4.7.0", "421", "")).category == Category::soft);
  const Verdict nothing = classifier->classify(input("x.example", "5.0.0", "", "gibberish"));
  CHECK(nothing.category == Category::unknown);
  CHECK(nothing.rule == "none");
}

TEST_CASE("the matched span is reported", "[rules][explain]") {
  auto classifier = compile_docs({{"a.yaml", kDefault}});
  const std::string text = "550 5.1.1 <jane@example.org>: User unknown here";
  const Explanation e = classifier->explain(input("x.example", "5.1.1", "550", text));
  const Verdict& v = e.verdict;
  CHECK(text.substr(v.match_begin, v.match_end - v.match_begin) == "User unknown");
  REQUIRE_FALSE(e.consulted.empty());
  CHECK(e.consulted.back().find("generic-unknown-user") != std::string::npos);
}

TEST_CASE("a later file replaces a rule with the same id", "[rules][override]") {
  constexpr const char* override_doc = R"(
ruleset: generic
rules:
  - id: generic-unknown-user
    match: 'user unknown'
    category: soft
    reason: mailbox_disabled
    examples: ["550 User unknown"]
)";
  auto classifier = compile_docs({{"a.yaml", kDefault}, {"override.yaml", override_doc}});
  const Verdict v = classifier->classify(input("x.example", "5.1.1", "550", "User unknown"));
  CHECK(v.rule == "generic-unknown-user");
  CHECK(v.reason == "mailbox_disabled");
  CHECK(classifier->rule_count() == 3);
}

TEST_CASE("an override can disable a shipped rule", "[rules][override]") {
  constexpr const char* disable_doc = R"(
ruleset: local
rules:
  - id: generic-spam-block
    disabled: true
)";
  auto classifier = compile_docs({{"a.yaml", kDefault}, {"local.yaml", disable_doc}});
  CHECK(classifier->rule_count() == 2);
}

TEST_CASE("validation errors name file, line and column", "[rules][validation]") {
  SECTION("broken YAML") {
    const auto errors = load_errors("ruleset: x\nrules:\n  - id: a\n    match: [unclosed\n");
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].location.starts_with("pack.yaml:"));
  }
  SECTION("bad regex, located at its rule") {
    const auto errors = load_errors(
        "ruleset: x\nrules:\n  - id: bad-regex\n    match: 'missing (paren'\n    reason: "
        "user_unknown\n");
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].location == "pack.yaml:3:5");
    CHECK(errors[0].message.find("bad-regex") != std::string::npos);
    CHECK(errors[0].message.find("missing )") != std::string::npos);
  }
  SECTION("unknown reason") {
    const auto errors =
        load_errors("ruleset: x\nrules:\n  - id: r\n    match: 'a'\n    reason: nonsense\n");
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].location == "pack.yaml:5:13");
    CHECK(errors[0].message.find("unknown reason 'nonsense'") != std::string::npos);
  }
  SECTION("unknown category") {
    const auto errors = load_errors(
        "ruleset: x\nrules:\n  - id: r\n    match: 'a'\n    reason: user_unknown\n    category: "
        "fatal\n");
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].message.find("unknown category 'fatal'") != std::string::npos);
  }
  SECTION("duplicate id in one file") {
    const auto errors = load_errors(
        "ruleset: x\nrules:\n  - id: r\n    match: 'a'\n    reason: user_unknown\n"
        "  - id: r\n    match: 'b'\n    reason: user_unknown\n");
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].message.find("duplicate rule id 'r'") != std::string::npos);
    CHECK(errors[0].location == "pack.yaml:6:9");
  }
  SECTION("missing match") {
    const auto errors = load_errors("ruleset: x\nrules:\n  - id: r\n    reason: user_unknown\n");
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].message.find("missing 'match'") != std::string::npos);
  }
  SECTION("bad status glob") {
    const auto errors = load_errors(
        "ruleset: x\nrules:\n  - id: r\n    match: 'a'\n    status: 'five'\n    reason: "
        "user_unknown\n");
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].message.find("bad status glob") != std::string::npos);
  }
}

TEST_CASE("unknown keys are warned about with their line", "[rules][validation]") {
  RuleLoader loader;
  loader.add_document("pack.yaml",
                      "ruleset: x\nrules:\n  - id: r\n    match: 'a'\n    reason: user_unknown\n"
                      "    catgory: hard\n    examples: ['a']\n");
  LoadedRules loaded = std::move(loader).finish();
  CHECK(loaded.ok());
  REQUIRE(loaded.diagnostics.size() == 1);
  CHECK_FALSE(loaded.diagnostics[0].is_error);
  CHECK(loaded.diagnostics[0].location == "pack.yaml:6:5");
  CHECK(loaded.diagnostics[0].message.find("catgory") != std::string::npos);
}

TEST_CASE("examples that fail and counterexamples that match are reported", "[rules][validation]") {
  auto classifier = compile_docs({{"pack.yaml", R"(
ruleset: x
rules:
  - id: first
    match: 'unknown'
    reason: user_unknown
    examples: ["550 user unknown"]
    counterexamples: ["452 unknown error"]
  - id: second
    match: 'user unknown|mailbox full'
    reason: mailbox_full
    category: quota
    examples: ["552 mailbox full", "550 user unknown", "something else"]
)"}});
  const auto problems = classifier->check_examples();
  std::vector<std::string> messages;
  for (const auto& p : problems) messages.push_back(p.message);
  REQUIRE(problems.size() == 3);
  CHECK(messages[0].find("counterexample matches") != std::string::npos);
  CHECK(messages[1].find("taken first by 'first'") != std::string::npos);
  CHECK(messages[2].find("does not match") != std::string::npos);
}

TEST_CASE("the shipped rule pack loads and all its examples pass", "[rules][pack]") {
  const BuiltClassifier built =
      build_classifier({std::string(BOUNCED_SOURCE_DIR) + "/rules/default"});
  for (const auto& d : built.diagnostics) {
    if (d.is_error) FAIL_CHECK(d.to_string());
  }
  REQUIRE(built.classifier);
  CHECK(built.classifier->rule_count() >= 200);
  for (const auto& problem : built.classifier->check_examples()) FAIL_CHECK(problem.to_string());
}

namespace {

constexpr const char* kExpiryPack = R"(
ruleset: generic
rules:
  - id: expiry
    match: 'retry timeout exceeded|could not be delivered for \d+ days'
    reason: expired
    yields_to: [mailbox_full, user_unknown]
    examples: ["retry timeout exceeded"]
  - id: delay
    match: 'will be retried'
    reason: delayed
    yields_to: [mailbox_full, user_unknown]
    examples: ["will be retried for 2 more days"]
  - id: quota
    match: 'mailbox full'
    category: quota
    reason: mailbox_full
    examples: ["552 5.2.2 mailbox full"]
  - id: unknown-user
    match: 'user unknown'
    reason: user_unknown
    examples: ["550 5.1.1 user unknown"]
  - id: connection
    match: 'connection refused'
    reason: network_error
    examples: ["connection refused"]
)";

ClassifyInput at_stage(std::string_view command, std::string_view status, std::string_view code,
                       std::string_view text) {
  ClassifyInput in = input("example.org", status, code, text);
  in.command = command;
  return in;
}

}  // namespace

TEST_CASE("an expiry yields to the error it quotes when that error says why", "[rules][yields]") {
  auto classifier = compile_docs({{"a.yaml", kExpiryPack}});
  const Verdict quota = classifier->classify(
      input("x.example", "4.2.2", "452", "452 4.2.2 mailbox full; retry timeout exceeded"));
  CHECK(quota.category == Category::quota);
  CHECK(quota.rule == "quota");
  const Verdict timeout = classifier->classify(
      input("x.example", "", "", "connection refused; retry timeout exceeded"));
  CHECK(timeout.reason == "expired");
  CHECK(timeout.rule == "expiry");
}

TEST_CASE("a yielded 4xx unknown user is final after an expiry, not after a delay",
          "[rules][yields]") {
  auto classifier = compile_docs({{"a.yaml", kExpiryPack}});
  const Verdict expired = classifier->classify(
      input("x.example", "4.1.1", "450", "450 4.1.1 user unknown; retry timeout exceeded"));
  CHECK(expired.category == Category::hard);
  CHECK_FALSE(expired.downgraded);
  // The quoted error came first in rule order: the expiry still makes it final.
  const Verdict quoted_first = classifier->classify(input(
      "x.example", "4.1.1", "450", "could not be delivered for 5 days: 450 4.1.1 user unknown"));
  CHECK(quoted_first.category == Category::hard);
  const Verdict delayed = classifier->classify(
      input("x.example", "4.1.1", "450", "450 4.1.1 user unknown, will be retried"));
  CHECK(delayed.category == Category::soft);
  CHECK(delayed.reason == "user_unknown");
  CHECK(delayed.downgraded);
}

TEST_CASE("the explanation says which rule yielded", "[rules][yields][explain]") {
  auto classifier = compile_docs({{"a.yaml", kExpiryPack}});
  const Explanation e = classifier->explain(
      input("x.example", "5.2.2", "552", "552 5.2.2 mailbox full; retry timeout exceeded"));
  bool said = false;
  for (const auto& line : e.consulted)
    said |= line.find("expiry yields to quota") != std::string::npos;
  CHECK(said);
}

TEST_CASE("yields_to names known reasons", "[rules][yields][validation]") {
  const auto errors = load_errors(
      "ruleset: x\nrules:\n  - id: r\n    match: 'a'\n    reason: expired\n    yields_to: "
      "[nonsense]\n");
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].message.find("unknown reason 'nonsense' in yields_to") != std::string::npos);
}

TEST_CASE("a refusal before RCPT TO is never a verdict on the recipient", "[rules][stage]") {
  auto classifier = compile_docs({{"a.yaml", kDefault}});
  const Verdict at_mail =
      classifier->classify(at_stage("MAIL", "5.1.1", "550", "550 5.1.1 User unknown"));
  CHECK(at_mail.category == Category::soft);
  CHECK(at_mail.reason == "sender_rejected");
  CHECK(at_mail.rule == "generic-unknown-user");
  const Verdict at_helo =
      classifier->classify(at_stage("HELO", "5.1.1", "550", "550 5.1.1 User unknown"));
  CHECK(at_helo.category == Category::soft);
  CHECK(at_helo.reason == "policy_rejected");
  const Verdict quota_at_mail =
      classifier->classify(at_stage("MAIL", "5.2.2", "552", "552 5.2.2 Mailbox full"));
  CHECK(quota_at_mail.category == Category::soft);
  // At RCPT and at no known stage the words stand.
  CHECK(classifier->classify(at_stage("RCPT", "5.1.1", "550", "550 5.1.1 User unknown")).category ==
        Category::hard);
  CHECK(classifier->classify(at_stage("", "5.1.1", "550", "550 5.1.1 User unknown")).category ==
        Category::hard);
}

TEST_CASE("x.1.7 and x.1.8 name the sender", "[rules][stage]") {
  auto classifier = compile_docs({{"a.yaml", kDefault}});
  const Verdict v =
      classifier->classify(input("x.example", "5.1.8", "553", "553 5.1.8 user unknown"));
  CHECK(v.category == Category::soft);
  CHECK(v.reason == "sender_rejected");
  // With no rule at all, RFC 3463 says the same.
  CHECK(classifier->classify(input("x.example", "5.1.7", "553", "bad sender")).reason ==
        "sender_rejected");
}

TEST_CASE("a null MX said at the greeting stays hard", "[rules][stage]") {
  auto classifier = compile_docs({{"a.yaml", R"(
ruleset: generic
rules:
  - id: no-service
    match: 'no smtp service'
    reason: not_accepting_mail
    examples: ["554 No SMTP service here"]
)"}});
  const Verdict v = classifier->classify(at_stage("CONN", "", "554", "554 No SMTP service here"));
  CHECK(v.category == Category::hard);
  CHECK(v.reason == "not_accepting_mail");
  // Said in reply to MAIL FROM it is the sender's domain that takes no mail.
  CHECK(classifier->classify(at_stage("MAIL", "5.7.27", "550", "550 No SMTP service here"))
            .category == Category::soft);
}

namespace {

constexpr const char* kGenericPack = R"(
ruleset: catch-all
rules:
  - id: rejected
    match: 'rejected'
    reason: policy_rejected
    generic: true
    examples: ["550 Rejected"]
  - id: blocked
    match: 'blocked'
    reason: blocked_reputation
    examples: ["550 Blocked"]
  - id: unavailable
    match: 'unavailable'
    reason: system_error
    examples: ["421 Service unavailable"]
)";

ClassifyInput with_action(std::string_view action, std::string_view status, std::string_view code,
                          std::string_view text) {
  ClassifyInput in = input("example.org", status, code, text);
  in.action = action;
  return in;
}

}  // namespace

TEST_CASE("a specific enhanced status beats a generic wording", "[rules][generic]") {
  auto classifier = compile_docs({{"a.yaml", kGenericPack}});
  const Verdict full =
      classifier->classify(input("x.example", "5.2.2", "552", "552 5.2.2 rejected"));
  CHECK(full.category == Category::quota);
  CHECK(full.reason == "mailbox_full");
  CHECK(full.rule == "status:5.2.2");
  CHECK(classifier->classify(input("x.example", "5.1.1", "550", "550 5.1.1 rejected")).category ==
        Category::hard);
  // 5.0.0 and 5.7.1 name no reason: the wording stays.
  CHECK(classifier->classify(input("x.example", "5.0.0", "550", "550 5.0.0 rejected")).rule ==
        "rejected");
  CHECK(classifier->classify(input("x.example", "5.7.1", "550", "550 5.7.1 rejected")).rule ==
        "rejected");
  // A rule not marked generic keeps its word against the status.
  CHECK(classifier->classify(input("x.example", "5.2.2", "552", "552 5.2.2 blocked")).rule ==
        "blocked");
  const Explanation e =
      classifier->explain(input("x.example", "5.2.2", "552", "552 5.2.2 rejected"));
  bool said = false;
  for (const auto& line : e.consulted) said |= line.find("generic wording") != std::string::npos;
  CHECK(said);
}

TEST_CASE("generic must be a boolean", "[rules][generic][validation]") {
  const auto errors = load_errors(
      "ruleset: x\nrules:\n  - id: r\n    match: 'a'\n    reason: expired\n    "
      "generic: perhaps\n    examples: [a]\n");
  CHECK_FALSE(errors.empty());
}

TEST_CASE("the DSN action reaches the verdict", "[rules][action]") {
  auto classifier = compile_docs({{"a.yaml", kExpiryPack}, {"b.yaml", kGenericPack}});
  // Failed under 4.x.x: the queue gave up. A catch-all wording is expired...
  const Verdict gave_up =
      classifier->classify(with_action("failed", "4.0.0", "450", "450 4.0.0 rejected, try later"));
  CHECK(gave_up.category == Category::soft);
  CHECK(gave_up.reason == "expired");
  CHECK(gave_up.rule == "action:failed");
  // ... a soft reason a rule read in the last error stays (it says whose fault it was) ...
  CHECK(classifier
            ->classify(with_action("failed", "4.4.1", "",
                                   "connect to mx.example.org[192.0.2.1]:25: connection refused"))
            .reason == "network_error");
  // ... nothing matched at all is expired too, not unknown ...
  CHECK(classifier->classify(with_action("failed", "4.0.0", "450", "450 4.0.0 try later")).reason ==
        "expired");
  // ... a full mailbox stays quota, an unknown user is final.
  CHECK(classifier->classify(with_action("failed", "4.2.2", "452", "452 4.2.2 mailbox full"))
            .category == Category::quota);
  const Verdict unknown_user =
      classifier->classify(with_action("failed", "4.1.1", "450", "450 4.1.1 user unknown"));
  CHECK(unknown_user.category == Category::hard);
  CHECK_FALSE(unknown_user.downgraded);
  // Only the status code spoke (no rule read words): the retries ran out, whatever the code.
  for (const char* status : {"4.1.1", "4.2.2", "4.2.1"}) {
    const Verdict code_only = classifier->classify(with_action("failed", status, "450", "450"));
    CHECK(code_only.category == Category::soft);
    CHECK(code_only.reason == "expired");
    CHECK(code_only.rule == "action:failed");
  }
  // Failed under 5.x.x is no expiry.
  CHECK(classifier->classify(with_action("failed", "5.0.0", "550", "550 try later")).category ==
        Category::unknown);
  // Delayed is never hard, and never unknown.
  const Verdict delayed =
      classifier->classify(with_action("delayed", "5.1.1", "550", "550 5.1.1 user unknown"));
  CHECK(delayed.category == Category::soft);
  CHECK(delayed.reason == "delayed");
  CHECK(classifier->classify(with_action("delayed", "", "", "queued")).category == Category::soft);
  CHECK(classifier->classify(with_action("delayed", "4.2.2", "452", "452 4.2.2 mailbox full"))
            .category == Category::quota);
}
