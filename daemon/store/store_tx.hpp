// Internal to daemon/store/: the steps that several stores run inside one transaction, so a
// batch of bounces is written, joined and acted on atomically.
//
// Concurrency: every writer that joins bounces to sends or decides suppressions (a bounce batch,
// a send batch, a maillog batch, a reclassify batch, a manual removal) takes the outcome lock
// (lock_outcomes) first and keeps it to COMMIT. Under READ COMMITTED each statement after the
// lock sees everything the previous holder committed, so a bounce and its send written at once
// by two processes still find each other, a threshold counts the verdicts of every process, and
// a concurrent soft verdict cannot overwrite a hard suppression it did not see. The expensive
// part of a bounce batch (COPY, the bounce_messages insert) runs before the lock; a send batch
// stages only its keys before it, since which of its records are new rows (COPYed straight into
// their month) can only be decided under it.
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

// "2024-11" for a time.
std::string month_of(Time time);

// Waits for and takes the outcome lock (released at COMMIT or ROLLBACK).
void lock_outcomes(pqxx::work& tx);

// Which unjoined bounces a join pass looks at.
struct JoinScope {
  std::vector<std::string> fingerprints;  // this batch; empty = all received since `since`
  Time since{};
  Time until{};
  bool late = false;
  // A staging table of sends (send_id, message_id, verp_token, recipient) just written: only
  // bounces that share the key a method compares with one of them are looked at. A bounce that
  // found no send before can only find one among the sends that changed. "" = no such limit.
  std::string staged_sends;
};
// Joins, and adds the ids of the sends joined to into `joined_sends` (when not null).
JoinCounts join_bounces(pqxx::work& tx, const JoinOptions& options, const JoinScope& scope,
                        std::set<long long>* joined_sends = nullptr);

// Joins the bounces of a batch in the staging table `staged` (bounces' columns, a row number n,
// send_row_id, send_sent_at, join_method, same_failure) before they are inserted, with the
// rules join_bounces applies to stored ones, and marks the same failures as link_same_failures
// would: the rows are then written once, already joined. Returns how many joined by each method.
JoinCounts join_staged(pqxx::work& tx, const JoinOptions& options, const std::string& staged);

// Marks the failure reports joined to these sends as the same failure as the send's refusal
// (bounces.same_failure) where the send was refused, and unmarks them where it was not.
void link_same_failures(pqxx::work& tx, const std::set<long long>& send_ids);

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
// how many suppressions were made. The caller holds the outcome lock.
size_t apply_suppressions(pqxx::work& tx, const SuppressionPolicy& policy,
                          std::vector<VerdictEvent> events);

// Writes sends (merging each into the row of the same send if there is one), applies the
// suppression policy to the refusals written, and late-joins waiting bounces. Takes the outcome
// lock. The months of the batch must exist (PartitionKeeper).
SendWriteSummary write_sends(pqxx::work& tx, const std::vector<SendRecord>& batch,
                             SendSource source, const JoinOptions& join,
                             const SuppressionPolicy& policy);

}  // namespace bounced::store::detail
