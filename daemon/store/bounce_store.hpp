// Writes batches of classified incoming mail: one bounce_messages row per mail (fingerprint =
// SHA-256 of the raw bytes, raw kept compressed for the retention period), one bounces row per
// recipient, then joins them to their sends and applies the suppression policy - all in one
// transaction, so a batch is either wholly stored or not at all and the caller acknowledges the
// mail only after write() succeeded. Replaying the same mail inserts nothing. Several processes
// may write at once (see store_tx.hpp: the join and the policy run under the outcome lock).
//
// One failure is one event: a failure report joined to a send that was refused at send time is
// the DSN our own MTA wrote for that refusal; it is stored and joined, marked same_failure, and
// the policy counts the refusal only. A delay warning (Action: delayed) is stored with category
// `delayed` whatever the rules said, and never counts.
#pragma once

#include <chrono>
#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "database.hpp"
#include "partitions.hpp"
#include "send_joiner.hpp"
#include "suppression_policy.hpp"
#include "time_text.hpp"

namespace bounced::store {

struct BounceRecipientRecord {
  std::string address;  // as reported; normalised by the store
  std::string original_recipient;
  std::string action;
  std::string status;
  std::string reply_code;
  std::string diagnostic;
  std::string remote_mta;
  std::string category;  // verdict (see stored_category)
  std::string reason;
  std::string rule;
};

// The category the store keeps for a verdict: `delayed` for a delay warning (the message is
// still being retried: not a failure, whatever its status says), else the verdict's.
std::string stored_category(std::string_view action, std::string_view category);

struct BounceRecord {
  std::string source;  // file name, for logs
  std::string raw;     // the bytes as received
  // When bounced received the mail (Maildir delivery time, IMAP INTERNALDATE, or now): the
  // time every window, partition and --since is measured by. Not the report's Date header.
  Time received_at{};
  std::string report_date;  // the report's Date header as written, for reference
  std::string kind;         // ReportKind name
  std::string format;
  std::string report_message_id;
  std::string original_message_id;
  std::string envelope_recipient;
  std::string verp_token;
  std::string send_header;  // value of the configured join header in the returned original
  std::vector<BounceRecipientRecord> recipients;
  // Filled by BounceStore::prepare() - on the parsing threads, since hashing and compressing
  // cost as much as a parse - or else by write().
  std::string fingerprint;  // SHA-256 of raw, hex
  std::string raw_gz_hex;  // "\\x" + hex of the zlib-compressed raw (bytea for COPY); "" = not kept
  bool prepared = false;
};

struct WriteSummary {
  size_t messages = 0;    // new messages stored
  size_t duplicates = 0;  // already stored (replay)
  size_t bounces = 0;     // recipient rows inserted
  JoinCounts joined;
  size_t suppressed = 0;
};

struct BounceStoreOptions {
  JoinOptions join;
  SuppressionPolicyConfig policy = SuppressionPolicyConfig::defaults();
  int raw_retention_days = 30;  // 0 = do not keep raw mail
  // Called inside the transaction after every row is written and before COMMIT. Tests use it to
  // take the server away mid-batch.
  std::function<void()> before_commit;
};

// Computes the fingerprint and the compressed raw of a record (what BounceStore::prepare does),
// for callers that have no store at hand: the daemon's classify threads.
void prepare_record(BounceRecord& record, int raw_retention_days);

class BounceStore {
 public:
  BounceStore(Database& database, BounceStoreOptions options);

  // Computes the fingerprint and the compressed raw of a record. Thread-safe: reads only the
  // options.
  void prepare(BounceRecord& record) const;

  Result<WriteSummary> write(std::vector<BounceRecord>& batch);

 private:
  Database& database_;
  BounceStoreOptions options_;
  SuppressionPolicy policy_;
  PartitionKeeper partitions_{"bounces"};
};

}  // namespace bounced::store
