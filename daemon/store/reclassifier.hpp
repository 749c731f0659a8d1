// Re-runs the current rules over stored raw bounces (kept compressed for raw_retention_days)
// after a rule fix: each changed verdict is updated in place and recorded in reclassifications,
// and suppressions follow - one the old verdict caused and the new one would not is lifted, one
// the new verdict calls for is made. Both are recorded (suppression_events, outbox).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "database.hpp"
#include "suppression_policy.hpp"
#include "time_text.hpp"

namespace bounced::store {

struct RecipientVerdict {
  std::string address;  // as the parser reports it; normalised here
  std::string category;
  std::string reason;
  std::string rule;
};

// The pipeline, from the caller: raw bytes -> the verdict of each recipient.
using ClassifyRaw = std::function<std::vector<RecipientVerdict>(const std::string& raw)>;

struct ReclassifySummary {
  size_t messages = 0;
  size_t changed = 0;     // recipient verdicts that changed
  size_t lifted = 0;      // suppressions lifted
  size_t suppressed = 0;  // suppressions made
};

class Reclassifier {
 public:
  Reclassifier(Database& database, SuppressionPolicyConfig policy)
      : database_(database), policy_(std::move(policy)) {}

  Result<ReclassifySummary> run(Time since, const ClassifyRaw& classify, size_t batch = 200);

 private:
  Database& database_;
  SuppressionPolicy policy_;
};

}  // namespace bounced::store
