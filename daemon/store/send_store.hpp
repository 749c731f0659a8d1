// Writes synchronous outcomes. The keys of a batch of SendRecords are staged (COPY) and, under
// the outcome lock, probed once for a row each record could be - the same send id, the same
// queue id and recipient, or the same Message-ID and recipient reported by the other side (the
// send log and the MTA's log). Records with none are new rows, COPYed straight into their
// month's partition; the others are staged whole and merged into their row, or inserted. So a send is one row whoever reports it and
// in whichever order: the imported ids, campaign and customer and the MTA's outcome both land on
// it, and replaying a log changes nothing. Refusals (4xx/5xx, not a deferral the MTA retries) go
// through the suppression policy like bounces; then bounces that arrived before their send are
// joined (late join). One transaction per batch.
#pragma once

#include <string>
#include <vector>

#include "database.hpp"
#include "partitions.hpp"
#include "send_joiner.hpp"
#include "send_record.hpp"
#include "suppression_policy.hpp"

namespace bounced::store {

struct SendWriteSummary {
  size_t inserted = 0;   // new rows
  size_t updated = 0;    // existing rows that took a newer outcome or merged fields
  size_t unchanged = 0;  // already stored as they are (replay)
  JoinCounts late_joined;
  size_t suppressed = 0;  // suppressions made by refusals at send time
};

class SendStore {
 public:
  SendStore(Database& database, JoinOptions join,
            SuppressionPolicyConfig policy = SuppressionPolicyConfig::defaults())
      : database_(database), join_(std::move(join)), policy_(std::move(policy)) {}

  Result<SendWriteSummary> write(const std::vector<SendRecord>& batch,
                                 SendSource source = SendSource::import);

  // ANALYZE what a large import left without statistics, after it. Autovacuum never analyzes a
  // partitioned table's parent and analyzes a partition only a while after it grew, so right
  // after an import into a fresh month the planner guessed: the header join then scanned all
  // sends once per batch (5 s of a 10 s ingest). A partition is analyzed when it never was or
  // grew by more than a tenth since (autovacuum's own default threshold); the parent, which
  // PostgreSQL 15 can analyze only together with every partition, when it never was or the
  // table grew by more than a tenth. A send import into a large month thus pays no full-table
  // ANALYZE (20% of a 100,000-row import into 1,200,000 rows). Returns what was analyzed.
  Result<std::vector<std::string>> refresh_statistics();

 private:
  Database& database_;
  JoinOptions join_;
  SuppressionPolicy policy_;
  PartitionKeeper partitions_{"sends"};
};

}  // namespace bounced::store
