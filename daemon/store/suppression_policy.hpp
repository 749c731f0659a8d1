// When a bounce suppresses its address: configuration values in, a decision out. Pure, so every
// threshold is unit-tested without a database; SuppressionStore gathers the evidence.
//
// Defaults follow what large senders do: a hard bounce or a complaint suppresses at once, a full
// mailbox after 3 within 7 days, other soft failures after 5 within 3 days and only for 14 days,
// auto-replies never. Each category can be overridden per recipient domain. Of the complaints
// (ARF feedback reports), only those whose reason is listed in complaint_reasons - by default
// abuse and fraud - suppress; a not-spam, auth-failure or virus report is stored and reported
// but is not the recipient asking for no more mail. Delay warnings (category delayed) never
// count: the message is still being retried.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "time_text.hpp"

namespace bounced::store {

struct CategoryRule {
  enum class Mode { never, immediate, threshold };
  Mode mode = Mode::never;
  int count = 1;                                      // threshold: this many ...
  std::chrono::seconds within{std::chrono::days(7)};  // ... within this window
  std::optional<std::chrono::seconds> duration;       // suppression ends after this; none = stays
};

struct SuppressionPolicyConfig {
  std::map<std::string, CategoryRule>
      categories;  // hard, soft, quota, complaint, auto_reply, unknown
  // domain -> category -> rule; a domain entry replaces the default for that category only.
  std::map<std::string, std::map<std::string, CategoryRule>> domains;
  // An accepted send not bounced within this long resets the soft and quota counts.
  std::chrono::seconds success_window{std::chrono::days(3)};
  // Complaint reasons (bounced rules reasons) that the complaint rule acts on.
  std::set<std::string> complaint_reasons = {"abuse", "fraud"};

  static SuppressionPolicyConfig defaults();
};

// What is known about one address when a new verdict arrives.
struct SuppressionEvidence {
  std::string category;  // of the new verdict
  std::string reason;
  std::string domain;
  Time at{};  // when bounced received the verdict's mail (a refusal: when it was given)
  int count_in_window = 0;  // verdicts of this category in the rule's window, this one included,
                            // after the last reset and after a manual removal
  // When the address was removed by hand, if it is removed now. People win over replays: only
  // a hard bounce or a complaint received after the removal overrides it.
  std::optional<Time> removed_at;
};

struct SuppressionDecision {
  bool suppress = false;
  std::optional<Time> expires_at;  // none: until removed
  std::string why;                 // "hard", "quota: 3 within 7d", ...
};

class SuppressionPolicy {
 public:
  explicit SuppressionPolicy(SuppressionPolicyConfig config) : config_(std::move(config)) {}

  const CategoryRule& rule_for(const std::string& category, const std::string& domain) const;
  // Whether a verdict of this category and reason can ever suppress (the rule is not `never`,
  // and a complaint's reason is one that suppresses).
  bool may_act(const std::string& category, const std::string& reason,
               const std::string& domain) const;
  SuppressionDecision decide(const SuppressionEvidence& evidence) const;

  // Categories whose counts a delivery resets.
  static bool resettable(const std::string& category) {
    return category == "soft" || category == "quota";
  }

  const SuppressionPolicyConfig& config() const { return config_; }

 private:
  SuppressionPolicyConfig config_;
};

std::string format_duration(std::chrono::seconds duration);

}  // namespace bounced::store
