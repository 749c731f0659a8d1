// Reads Postfix logs into sends: follows each queue id from cleanup to its deliveries and
// records every recipient's synchronous outcome, classified with the same rules as bounces.
// A delivery is merged into the row of the same send that the send log (or the API) made, by
// queue id or Message-ID + recipient (SendStore). What the MTA delivers into the bounce mailbox
// itself - mail from the null sender (its own and remote bounce notices) or to the bounce
// domains / VERP addresses - is incoming mail, not a send, and is skipped. A deferral (4xx the
// MTA retries) is recorded as `deferred` and counts as no failure; the final outcome replaces it.
//
// Position: each file is known by the SHA-256 of its first line, so after logrotate renames
// maillog to maillog.1 (and later compresses it to maillog.2.gz) it is still the same file.
// The byte offset and line number are saved in the same transaction as the sends they produced,
// so a restart neither skips nor repeats a line. A last line without its newline (the MTA is
// still writing it) is left for the next read.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "database.hpp"
#include "maillog_parser.hpp"
#include "partitions.hpp"
#include "send_joiner.hpp"
#include "suppression_policy.hpp"

namespace bounced::rules {
class Classifier;
}

namespace bounced::store {

struct SendWriteSummary;

struct MaillogOptions {
  std::string verp_prefix;
  char verp_separator = '+';
  // Domains of the bounce mailbox (the Return-Path domains). Mail delivered to them is not a
  // send; neither is mail to a VERP address (verp_prefix + separator ...) anywhere.
  std::vector<std::string> bounce_domains;
  size_t batch_lines = 20000;  // lines per transaction
  // Queue ids seen but not yet removed, in memory and in maillog_queue: past either bound the
  // oldest are forgotten (a lost "removed" line must not grow memory for months). The age is
  // measured against the newest log time read, so reading old logs forgets nothing early.
  size_t max_open_queue_ids = 100000;
  std::chrono::seconds queue_id_max_age{std::chrono::hours(24 * 7)};
  std::chrono::milliseconds poll_interval{500};  // follow: how often the file is looked at
  JoinOptions join;
  SuppressionPolicyConfig suppression = SuppressionPolicyConfig::defaults();  // for refusals
  // Called inside each transaction before COMMIT (tests).
  std::function<void()> before_commit;
};

struct MaillogStats {
  size_t lines = 0;       // lines read this time
  size_t deliveries = 0;  // delivery lines turned into send outcomes
  size_t incoming = 0;    // deliveries into the bounce mailbox (not sends)
  size_t late_joined = 0;
};

class MaillogReader {
 public:
  MaillogReader(Database& database, std::shared_ptr<const rules::Classifier> classifier,
                MaillogOptions options);
  ~MaillogReader();

  // Reads `path` (plain or gzip) from its saved position to its end.
  Result<MaillogStats> read_file(const std::string& path);

  // Reads, then keeps reading what is appended, switching to the new file after a rotation
  // (the old one is read to its end first). A file truncated in place (logrotate's
  // copytruncate) is read again from its new beginning. Returns when keep_going() is false.
  Result<MaillogStats> follow(const std::string& path, const std::function<bool()>& keep_going);

 private:
  struct OpenLog;
  struct QueueEntry {
    std::string message_id;
    std::string sender;
    bool null_sender = false;
    Time first_seen{};
  };
  // Mail into the bounce mailbox, which the MTA logs like any delivery.
  bool is_incoming(const QueueEntry& entry, const std::string& recipient) const;
  Result<std::unique_ptr<OpenLog>> open(const std::string& path);
  struct PendingBatch;
  // Reads complete lines to the end of what is there now, committing every batch_lines; each
  // batch is written on its own thread while the next one is read.
  Status drain(OpenLog& log, MaillogStats& stats);
  // One batch's sends, queue ids and position, in one transaction.
  Result<SendWriteSummary> write_batch(const OpenLog& log, const PendingBatch& batch,
                                       const SuppressionPolicy& policy);
  Status load_queue();
  // The file at path is still log's inode but no longer starts with log's first line.
  bool truncated_in_place(const std::string& path, const OpenLog& log) const;
  // The open queue ids past max_open_queue_ids or queue_id_max_age, oldest first.
  std::vector<std::string> queue_ids_to_forget() const;

  Database& database_;
  std::shared_ptr<const rules::Classifier> classifier_;
  MaillogOptions options_;
  std::map<std::string, QueueEntry> queue_;
  bool queue_loaded_ = false;
  PartitionKeeper partitions_{"sends"};
  Time newest_{};  // the latest log time read
};

}  // namespace bounced::store
