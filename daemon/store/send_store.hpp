// Writes synchronous outcomes: a batch of SendRecords is copied (COPY) into a staging table and
// inserted with ON CONFLICT (send_id, recipient, sent_at), so importing the same log twice adds
// nothing; then bounces that arrived before their send are joined (late join). One transaction
// per batch.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "database.hpp"
#include "send_joiner.hpp"
#include "send_record.hpp"

namespace bounced::store {

struct SendWriteSummary {
  size_t inserted = 0;
  size_t updated = 0;    // upsert mode: rows inserted or given a newer outcome
  size_t unchanged = 0;  // already stored (replay)
  JoinCounts late_joined;
};

class SendStore {
 public:
  SendStore(Database& database, JoinOptions join) : database_(database), join_(std::move(join)) {}

  // upsert: a later outcome for the same send (Postfix: deferred, then sent) replaces the
  // earlier one instead of being ignored.
  Result<SendWriteSummary> write(const std::vector<SendRecord>& batch, bool upsert = false);

 private:
  Database& database_;
  JoinOptions join_;
  std::set<std::string> months_;
};

}  // namespace bounced::store
