// Monthly partitions of sends (by sent_at) and bounces (by received_at, the time bounced
// received the mail). Each missing month is created in a short transaction of its own, one
// process at a time (bounced_ensure_month, schema/004), before the batch that needs it: two
// processes needing the same month neither fail nor hold the parent locked for a whole batch. The
// current and the next month are created ahead of time, so daily work never waits for a CREATE
// TABLE.
#pragma once

#include <set>
#include <string>

#include "database.hpp"
#include "time_text.hpp"

namespace bounced::store {

class PartitionKeeper {
 public:
  explicit PartitionKeeper(std::string table) : table_(std::move(table)) {}

  // Makes sure the months of `times` (and, the first time, this month and the next) exist.
  Status ensure(Database& database, const std::set<Time>& times);

 private:
  std::string table_;
  std::set<std::string> known_;  // "YYYY-MM" known to exist
};

}  // namespace bounced::store
