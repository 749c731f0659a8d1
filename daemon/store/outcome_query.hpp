// Reading the joined outcomes back for `bounced outcomes` (the delivery_outcomes view): every
// value whole, times as times, so any output format can print them without loss.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "database.hpp"
#include "time_text.hpp"

namespace bounced::store {

struct Outcome {
  long long send_row_id = 0;
  std::string send_id;
  std::string queue_id;
  std::string message_id;
  std::string recipient;
  std::string campaign;
  std::string list_id;
  std::string customer;
  Time sent_at{};
  std::string sync_reply_code;
  std::string sync_status;
  std::string sync_category;
  std::string sync_reason;
  std::optional<Time> outcome_at;
  std::string sources;  // "import,maillog"
  std::string final_state;
  long long bounce_id = 0;  // 0: none joined
  std::optional<Time> bounce_received_at;
  std::string async_category;
  std::string async_reason;
  std::string async_rule;
  std::string join_method;
  std::optional<long long> async_delay_seconds;
  // The reason that explains the final state: the sync reason for sync_*, else the async one.
  std::string reason() const;
};

struct OutcomeFilter {
  std::optional<Time> since;  // sends at or after
  std::string campaign;       // "" = all
  std::string state;          // "" = all; else one of final_states()
  size_t limit = 1000;
};

struct OutcomePage {
  std::vector<Outcome> rows;  // at most filter.limit, oldest send first
  long long matching = 0;     // rows the filter matches in all
};

// Every final_state the view can give, in the order bounced(8) lists them.
const std::vector<std::string>& final_states();

Result<OutcomePage> query_outcomes(Database& database, const OutcomeFilter& filter);

}  // namespace bounced::store
