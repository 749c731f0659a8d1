// SuppressionPolicy alone: no database.
#include "suppression_policy.hpp"

#include <catch2/catch.hpp>

using namespace bounced::store;
using namespace std::chrono;

namespace {

SuppressionEvidence evidence(const std::string& category, int count,
                             const std::string& domain = "example.org") {
  SuppressionEvidence e;
  e.category = category;
  e.domain = domain;
  e.count_in_window = count;
  e.at = *parse_iso_time("2026-01-10T12:00:00Z");
  return e;
}

}  // namespace

TEST_CASE("default policy suppresses hard and complaint at once and auto-replies never",
          "[policy]") {
  const SuppressionPolicy policy(SuppressionPolicyConfig::defaults());
  CHECK(policy.decide(evidence("hard", 1)).suppress);
  CHECK_FALSE(policy.decide(evidence("hard", 1)).expires_at);
  auto abuse = evidence("complaint", 1);
  abuse.reason = "abuse";
  CHECK(policy.decide(abuse).suppress);
  CHECK_FALSE(policy.decide(evidence("auto_reply", 50)).suppress);
  CHECK_FALSE(policy.decide(evidence("unknown", 50)).suppress);
  CHECK_FALSE(policy.decide(evidence("delivered", 1)).suppress);
}

TEST_CASE("quota and soft suppress at their thresholds and soft only for a while", "[policy]") {
  const SuppressionPolicy policy(SuppressionPolicyConfig::defaults());
  CHECK_FALSE(policy.decide(evidence("quota", 2)).suppress);
  const auto quota = policy.decide(evidence("quota", 3));
  CHECK(quota.suppress);
  CHECK_FALSE(quota.expires_at);
  CHECK(quota.why == "quota: 3 within 7d");
  CHECK_FALSE(policy.decide(evidence("soft", 4)).suppress);
  const auto soft = policy.decide(evidence("soft", 5));
  REQUIRE(soft.suppress);
  REQUIRE(soft.expires_at);
  CHECK(*soft.expires_at == *parse_iso_time("2026-01-24T12:00:00Z"));  // 14 days
}

TEST_CASE("a domain overrides one category and keeps the others", "[policy]") {
  auto config = SuppressionPolicyConfig::defaults();
  config.domains["gmail.com"]["soft"] = {CategoryRule::Mode::threshold, 2, days(1), days(3)};
  config.domains["gmail.com"]["hard"] = {CategoryRule::Mode::threshold, 2, days(30), std::nullopt};
  const SuppressionPolicy policy(config);
  CHECK(policy.decide(evidence("soft", 2, "gmail.com")).suppress);
  CHECK_FALSE(policy.decide(evidence("soft", 2, "example.org")).suppress);
  CHECK_FALSE(policy.decide(evidence("hard", 1, "gmail.com")).suppress);
  CHECK(policy.decide(evidence("hard", 2, "gmail.com")).suppress);
  CHECK(policy.decide(evidence("quota", 3, "gmail.com")).suppress);  // default kept
  CHECK(policy.rule_for("soft", "gmail.com").within == days(1));
}

TEST_CASE("a manual removal holds until a hard bounce or complaint received after it", "[policy]") {
  const SuppressionPolicy policy(SuppressionPolicyConfig::defaults());
  const Time removed = *parse_iso_time("2026-01-10T11:00:00Z");  // an hour before `at`
  auto soft = evidence("soft", 10);
  soft.removed_at = removed;
  CHECK_FALSE(policy.decide(soft).suppress);
  auto quota = evidence("quota", 10);
  quota.removed_at = removed;
  CHECK_FALSE(policy.decide(quota).suppress);
  auto hard = evidence("hard", 1);
  hard.removed_at = removed;
  CHECK(policy.decide(hard).suppress);
  auto complaint = evidence("complaint", 1);
  complaint.reason = "abuse";
  complaint.removed_at = removed;
  CHECK(policy.decide(complaint).suppress);
  // Mail received before the removal (a replay, a reclassify) never overrides it.
  auto old_hard = evidence("hard", 1);
  old_hard.removed_at = *parse_iso_time("2026-01-10T13:00:00Z");
  CHECK_FALSE(policy.decide(old_hard).suppress);
}

TEST_CASE("of the complaints only abuse and fraud suppress unless configured", "[policy]") {
  const SuppressionPolicy policy(SuppressionPolicyConfig::defaults());
  for (const char* reason : {"abuse", "fraud"}) {
    auto e = evidence("complaint", 1);
    e.reason = reason;
    CHECK(policy.decide(e).suppress);
  }
  for (const char* reason :
       {"not_spam", "auth_failure_report", "virus_report", "other_feedback", "unsubscribe"}) {
    auto e = evidence("complaint", 1);
    e.reason = reason;
    CHECK_FALSE(policy.decide(e).suppress);
  }
  auto config = SuppressionPolicyConfig::defaults();
  config.complaint_reasons.insert("unsubscribe");
  auto opt_out = evidence("complaint", 1);
  opt_out.reason = "unsubscribe";
  CHECK(SuppressionPolicy(config).decide(opt_out).suppress);
}

TEST_CASE("a delay warning never suppresses, however many", "[policy]") {
  const SuppressionPolicy policy(SuppressionPolicyConfig::defaults());
  CHECK_FALSE(policy.decide(evidence("delayed", 100)).suppress);
  CHECK_FALSE(policy.may_act("delayed", "delayed", "example.org"));
}

TEST_CASE("durations read and print in days hours and minutes", "[policy]") {
  CHECK(parse_duration("7d") == seconds(7 * 86400));
  CHECK(parse_duration("48h") == seconds(48 * 3600));
  CHECK(parse_duration("2w") == seconds(14 * 86400));
  CHECK(parse_duration("90") == seconds(90));
  CHECK_FALSE(parse_duration("7 days"));
  CHECK_FALSE(parse_duration("-1d"));
  CHECK(format_duration(seconds(3 * 86400)) == "3d");
  CHECK(format_duration(seconds(5400)) == "90m");
}
