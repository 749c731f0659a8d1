// Writes synchronous outcomes: a batch of SendRecords is copied (COPY) into a staging table and
// inserted with ON CONFLICT (send_id, recipient, sent_at), so importing the same log twice adds
// nothing; refusals (4xx/5xx) go through the suppression policy like bounces; then bounces that
// arrived before their send are joined (late join). One transaction per batch.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "database.hpp"
#include "send_joiner.hpp"
#include "send_record.hpp"
#include "suppression_policy.hpp"

namespace bounced::store {

struct SendWriteSummary {
  size_t inserted = 0;
  size_t updated = 0;    // upsert mode: rows inserted or given a newer outcome
  size_t unchanged = 0;  // already stored (replay)
  JoinCounts late_joined;
  size_t suppressed = 0;  // suppressions made by refusals at send time
};

class SendStore {
 public:
  SendStore(Database& database, JoinOptions join,
            SuppressionPolicyConfig policy = SuppressionPolicyConfig::defaults())
      : database_(database), join_(std::move(join)), policy_(std::move(policy)) {}

  // upsert: a later outcome for the same send (Postfix: deferred, then sent) replaces the
  // earlier one instead of being ignored.
  Result<SendWriteSummary> write(const std::vector<SendRecord>& batch, bool upsert = false);

  // ANALYZE sends, after a large import. Autovacuum never analyzes a partitioned table's parent
  // and analyzes a partition only a while after it grew, so right after an import the planner
  // guesses: the header join then scanned all sends once per batch (5 s of a 10 s ingest).
  Status refresh_statistics();

 private:
  Database& database_;
  JoinOptions join_;
  SuppressionPolicy policy_;
  std::set<std::string> months_;
};

}  // namespace bounced::store
