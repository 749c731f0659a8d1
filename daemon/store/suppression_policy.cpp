#include "suppression_policy.hpp"

namespace bounced::store {

SuppressionPolicyConfig SuppressionPolicyConfig::defaults() {
  using namespace std::chrono;
  SuppressionPolicyConfig config;
  config.categories["hard"] = {CategoryRule::Mode::immediate, 1, days(7), std::nullopt};
  config.categories["complaint"] = {CategoryRule::Mode::immediate, 1, days(7), std::nullopt};
  config.categories["quota"] = {CategoryRule::Mode::threshold, 3, days(7), std::nullopt};
  config.categories["soft"] = {CategoryRule::Mode::threshold, 5, days(3), days(14)};
  config.categories["auto_reply"] = {CategoryRule::Mode::never, 1, days(7), std::nullopt};
  config.categories["unknown"] = {CategoryRule::Mode::never, 1, days(7), std::nullopt};
  config.categories["delivered"] = {CategoryRule::Mode::never, 1, days(7), std::nullopt};
  config.categories["delayed"] = {CategoryRule::Mode::never, 1, days(7), std::nullopt};
  return config;
}

const CategoryRule& SuppressionPolicy::rule_for(const std::string& category,
                                                const std::string& domain) const {
  static const CategoryRule never{};
  if (auto d = config_.domains.find(domain); d != config_.domains.end()) {
    if (auto r = d->second.find(category); r != d->second.end()) return r->second;
  }
  if (auto r = config_.categories.find(category); r != config_.categories.end()) return r->second;
  return never;
}

bool SuppressionPolicy::may_act(const std::string& category, const std::string& reason,
                                const std::string& domain) const {
  if (rule_for(category, domain).mode == CategoryRule::Mode::never) return false;
  return category != "complaint" || config_.complaint_reasons.contains(reason);
}

SuppressionDecision SuppressionPolicy::decide(const SuppressionEvidence& evidence) const {
  const CategoryRule& rule = rule_for(evidence.category, evidence.domain);
  SuppressionDecision decision;
  if (!may_act(evidence.category, evidence.reason, evidence.domain)) return decision;
  // A manual removal is an operator saying "this address is fine": only a new hard failure or
  // complaint overrides it, never an accumulation of soft ones, and never old mail (a replay or
  // a reclassify of what was received before the removal).
  if (evidence.removed_at) {
    const bool overrides_removal =
        (evidence.category == "hard" || evidence.category == "complaint") &&
        evidence.at > *evidence.removed_at;
    if (!overrides_removal) return decision;
  }
  switch (rule.mode) {
    case CategoryRule::Mode::never:
      return decision;
    case CategoryRule::Mode::immediate:
      decision.suppress = true;
      decision.why = evidence.category;
      break;
    case CategoryRule::Mode::threshold:
      if (evidence.count_in_window < rule.count) return decision;
      decision.suppress = true;
      decision.why = evidence.category + ": " + std::to_string(evidence.count_in_window) +
                     " within " + format_duration(rule.within);
      break;
  }
  if (rule.duration) decision.expires_at = evidence.at + *rule.duration;
  return decision;
}

std::string format_duration(std::chrono::seconds duration) {
  const long long s = duration.count();
  if (s % 86400 == 0) return std::to_string(s / 86400) + "d";
  if (s % 3600 == 0) return std::to_string(s / 3600) + "h";
  if (s % 60 == 0) return std::to_string(s / 60) + "m";
  return std::to_string(s) + "s";
}

}  // namespace bounced::store
