// Reading the joined outcomes back for `bounced outcomes` (the delivery_outcomes view).
#pragma once

#include <string>
#include <vector>

#include "database.hpp"
#include "time_text.hpp"

namespace bounced::store {

struct Outcome {
  std::string send_id;
  std::string recipient;
  std::string campaign;
  std::string sent_at;
  std::string sync_reply_code;
  std::string final_state;
  std::string async_reason;  // or the sync reason for sync_* states
  std::string join_method;
  std::string async_delay;
};

struct OutcomeFilter {
  std::string since;  // ISO time; "" = all
  std::string campaign;
  std::string state;
  size_t limit = 1000;
};

Result<std::vector<Outcome>> query_outcomes(Database& database, const OutcomeFilter& filter);

// (final_state, count) over the filter, most frequent first.
Result<std::vector<std::pair<std::string, long>>> outcome_totals(Database& database,
                                                                 const OutcomeFilter& filter);

}  // namespace bounced::store
