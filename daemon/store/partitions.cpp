#include "partitions.hpp"

#include "pq.hpp"
#include "store_tx.hpp"

namespace bounced::store {

Status PartitionKeeper::ensure(Database& database, const std::set<Time>& times) {
  std::set<std::string> missing;
  for (Time time : times) {
    const std::string month = detail::month_of(time);
    if (!known_.contains(month)) missing.insert(month);
  }
  if (known_.empty()) {
    const std::string this_month = detail::month_of(now_seconds());
    missing.insert(this_month);
    missing.insert(detail::month_of(*parse_iso_time(this_month + "-01") + std::chrono::days(32)));
  }
  if (missing.empty()) return Done{};
  Status status = detail::in_transaction(database, [&](pqxx::work& tx) {
    for (const auto& month : missing) {
      tx.exec_params("SELECT bounced_ensure_month($1::regclass, $2::timestamptz)", table_,
                     month + "-01 00:00:00+00");
    }
  });
  if (ok(status)) known_.insert(missing.begin(), missing.end());
  return status;
}

}  // namespace bounced::store
