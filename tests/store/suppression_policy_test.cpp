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
  CHECK(policy.decide(evidence("complaint", 1)).suppress);
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

TEST_CASE("a manual removal holds until a new hard bounce or complaint", "[policy]") {
  const SuppressionPolicy policy(SuppressionPolicyConfig::defaults());
  auto soft = evidence("soft", 10);
  soft.manually_removed = true;
  CHECK_FALSE(policy.decide(soft).suppress);
  auto quota = evidence("quota", 10);
  quota.manually_removed = true;
  CHECK_FALSE(policy.decide(quota).suppress);
  auto hard = evidence("hard", 1);
  hard.manually_removed = true;
  CHECK(policy.decide(hard).suppress);
  auto complaint = evidence("complaint", 1);
  complaint.manually_removed = true;
  CHECK(policy.decide(complaint).suppress);
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
