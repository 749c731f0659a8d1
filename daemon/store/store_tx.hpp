// Internal to daemon/store/: the steps that several stores run inside one transaction, so a
// batch of bounces is written, joined and acted on atomically.
#pragma once

#include <pqxx/pqxx>
#include <set>
#include <string>
#include <vector>

#include "send_joiner.hpp"
#include "send_record.hpp"
#include "send_store.hpp"
#include "suppression_policy.hpp"
#include "time_text.hpp"

namespace bounced::store::detail {

// A text[] literal for a parameter: {"a","b"} with quotes and backslashes escaped.
std::string pg_text_array(const std::vector<std::string>& values);

// Creates the monthly partitions of `table` for the given times (bounced_ensure_month).
void ensure_months(pqxx::work& tx, const std::string& table, const std::set<std::string>& months);
// "2024-11" for a time.
std::string month_of(Time time);

// Which unjoined bounces a join pass looks at.
struct JoinScope {
  std::vector<std::string> fingerprints;  // this batch; empty = all received since `since`
  Time since{};
  Time until{};
  bool late = false;
};
JoinCounts join_bounces(pqxx::work& tx, const JoinOptions& options, const JoinScope& scope);

// A new verdict for an address, as input to the suppression policy: a bounce, or a refusal at
// send time (a sends row with a 4xx/5xx reply).
struct VerdictEvent {
  std::string address;
  std::string domain;
  std::string category;
  std::string reason;
  long long bounce_id = 0;  // 0 for a refusal at send time
  Time at{};
  bool at_send_time = false;
};
// Applies the policy to the events in time order, set-based (suppression_writer.cpp); returns
// how many suppressions were made.
size_t apply_suppressions(pqxx::work& tx, const SuppressionPolicy& policy,
                          std::vector<VerdictEvent> events);

// Writes sends (COPY + INSERT ... ON CONFLICT), applies the suppression policy to the refusals
// written, and late-joins waiting bounces.
SendWriteSummary write_sends(pqxx::work& tx, const std::vector<SendRecord>& batch, bool upsert,
                             const JoinOptions& join, const SuppressionPolicy& policy,
                             const std::set<std::string>& months);

}  // namespace bounced::store::detail
