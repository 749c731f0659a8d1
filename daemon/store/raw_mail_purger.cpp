#include "raw_mail_purger.hpp"

#include "pq.hpp"

namespace bounced::store {

Result<PurgeSummary> RawMailPurger::purge(Time now) {
  PurgeSummary summary;
  const std::string cutoff = detail::pg_time(now);
  for (;;) {
    size_t purged = 0;
    // SKIP LOCKED: rows an ingest or reclassify is touching right now are left for the next run.
    Status status = detail::in_transaction(database_, [&](pqxx::work& tx) {
      purged = static_cast<size_t>(
          tx.exec_params("UPDATE bounce_messages m SET raw_gz = NULL FROM (SELECT fingerprint FROM"
                         " bounce_messages WHERE raw_gz IS NOT NULL AND raw_expires_at <= $1"
                         " LIMIT $2 FOR UPDATE SKIP LOCKED) e WHERE m.fingerprint = e.fingerprint",
                         cutoff, static_cast<long>(batch_))
              .affected_rows());
    });
    if (!ok(status)) return std::get<StoreError>(status);
    summary.purged += purged;
    if (purged < batch_) return summary;
  }
}

}  // namespace bounced::store
