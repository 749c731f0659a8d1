// Drops the raw bytes of incoming mail past its retention (bounce_messages.raw_expires_at, set
// at ingest from raw_retention_days). The row itself stays: its fingerprint is what makes a
// replayed mailbox a no-op, and its headers and verdicts are the history. Only `bounced
// reclassify` needs the raw bytes, so purged mail can no longer be reclassified.
//
// Runs in short transactions of `batch` rows so a purge of months of mail neither holds locks
// for long nor competes with ingest for one huge transaction.
#pragma once

#include <cstddef>

#include "database.hpp"
#include "time_text.hpp"

namespace bounced::store {

struct PurgeSummary {
  size_t purged = 0;  // messages whose raw bytes were dropped
};

class RawMailPurger {
 public:
  explicit RawMailPurger(Database& database, size_t batch = 5000)
      : database_(database), batch_(batch) {}

  // Purges the raw mail whose raw_expires_at is at or before `now`.
  Result<PurgeSummary> purge(Time now);

 private:
  Database& database_;
  size_t batch_;
};

}  // namespace bounced::store
