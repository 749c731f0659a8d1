#include "bounce_store.hpp"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "address.hpp"
#include "codec.hpp"
#include "pq.hpp"
#include "store_tx.hpp"

namespace bounced::store {

namespace detail {

std::string pg_text_array(const std::vector<std::string>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) out.push_back(',');
    out.push_back('"');
    for (char c : values[i]) {
      if (c == '"' || c == '\\') out.push_back('\\');
      out.push_back(c);
    }
    out.push_back('"');
  }
  return out + "}";
}

std::string month_of(Time time) {
  return pg_time(time).substr(0, 7);
}

}  // namespace detail

std::string stored_category(std::string_view action, std::string_view category) {
  if (action == "delayed") return "delayed";
  return std::string(category);
}

BounceStore::BounceStore(Database& database, BounceStoreOptions options)
    : database_(database), options_(std::move(options)), policy_(options_.policy) {}

void prepare_record(BounceRecord& record, int raw_retention_days) {
  if (record.prepared) return;
  record.fingerprint = sha256_hex(record.raw);
  if (raw_retention_days > 0) record.raw_gz_hex = "\\x" + to_hex(compress(record.raw));
  record.prepared = true;
}

void BounceStore::prepare(BounceRecord& record) const {
  prepare_record(record, options_.raw_retention_days);
}

Result<WriteSummary> BounceStore::write(std::vector<BounceRecord>& batch) {
  WriteSummary summary;
  if (batch.empty()) return summary;

  // Fingerprints first: a mail that appears twice in one batch is written once.
  std::vector<std::string> fingerprints;
  std::vector<const BounceRecord*> unique;
  std::set<std::string> seen;
  std::set<Time> times;
  Time first = batch.front().received_at, last = batch.front().received_at;
  for (auto& record : batch) {
    prepare(record);
    if (!seen.insert(record.fingerprint).second) {
      ++summary.duplicates;
      continue;
    }
    fingerprints.push_back(record.fingerprint);
    unique.push_back(&record);
    first = std::min(first, record.received_at);
    last = std::max(last, record.received_at);
    times.insert(record.received_at);
  }
  if (Status s = partitions_.ensure(database_, times); !ok(s)) return std::get<StoreError>(s);

  std::vector<detail::VerdictEvent> events;
  Status status = detail::in_transaction(database_, [&](pqxx::work& tx) {
    // Staging tables live as long as the session and are emptied at every COMMIT or ROLLBACK:
    // created once instead of per batch. IF NOT EXISTS in every transaction keeps this right on
    // a new session (a reconnect, a pooler) without asking first; its notice is not wanted.
    tx.exec(
        "SET LOCAL client_min_messages = warning;"
        "CREATE TEMP TABLE IF NOT EXISTS in_messages (fingerprint text, received_at timestamptz,"
        " source text, kind text, format text, report_message_id text, original_message_id text,"
        " envelope_recipient text, verp_token text, send_header text, raw_size integer,"
        " raw_gz bytea, report_date text) ON COMMIT DELETE ROWS;"
        "CREATE TEMP TABLE IF NOT EXISTS in_bounces (n integer, fingerprint text,"
        " received_at timestamptz, recipient text, recipient_domain text,"
        " original_recipient text, kind text, category text, reason text, rule text, action text,"
        " status text, reply_code text, diagnostic text, remote_mta text,"
        " original_message_id text, verp_token text, send_header text, send_row_id bigint,"
        " send_sent_at timestamptz, join_method text,"
        " same_failure boolean NOT NULL DEFAULT false) ON COMMIT DELETE ROWS;"
        "CREATE INDEX IF NOT EXISTS in_bounces_fingerprint ON in_bounces (fingerprint)");
    {
      // COPY: one round trip per staging table for the whole batch.
      pqxx::stream_to messages(tx, "in_messages");
      for (size_t i = 0; i < unique.size(); ++i) {
        const BounceRecord& r = *unique[i];
        messages << std::make_tuple(fingerprints[i], detail::pg_time(r.received_at), r.source,
                                    r.kind, r.format, r.report_message_id, r.original_message_id,
                                    r.envelope_recipient, r.verp_token, r.send_header,
                                    static_cast<long>(r.raw.size()), r.raw_gz_hex, r.report_date);
      }
      messages.complete();
    }
    {
      pqxx::stream_to rows_out(
          tx, "in_bounces",
          std::vector<std::string>{"n", "fingerprint", "received_at", "recipient",
                                   "recipient_domain", "original_recipient", "kind", "category",
                                   "reason", "rule", "action", "status", "reply_code", "diagnostic",
                                   "remote_mta", "original_message_id", "verp_token",
                                   "send_header"});
      int n = 0;
      for (size_t i = 0; i < unique.size(); ++i) {
        const BounceRecord& r = *unique[i];
        const std::string when = detail::pg_time(r.received_at);
        std::set<std::string> recipients_seen;
        for (const auto& recipient : r.recipients) {
          const std::string address = normalize_address(recipient.address);
          if (address.empty() || !recipients_seen.insert(address).second) continue;
          rows_out << std::make_tuple(
              ++n, fingerprints[i], when, address, std::string(address_domain_of(address)),
              normalize_address(recipient.original_recipient), r.kind,
              stored_category(recipient.action, recipient.category), recipient.reason,
              recipient.rule, recipient.action, recipient.status, recipient.reply_code,
              recipient.diagnostic, recipient.remote_mta, r.original_message_id, r.verp_token,
              r.send_header);
        }
      }
      rows_out.complete();
    }
    // Only mail not stored before gets recipient rows: the replay check is the primary key.
    // Before the outcome lock, so a process that waits here for another's uncommitted copy of
    // the same mail holds no lock the other needs.
    const pqxx::result replayed = tx.exec_params(
        "WITH new_messages AS ("
        " INSERT INTO bounce_messages (fingerprint, received_at, source, kind, format,"
        "  report_message_id, original_message_id, envelope_recipient, verp_token, send_header,"
        "  raw_size, raw_gz, raw_expires_at, report_date)"
        " SELECT fingerprint, received_at, source, kind, format, report_message_id,"
        "  original_message_id, envelope_recipient, verp_token, send_header, raw_size,"
        "  NULLIF(raw_gz, ''::bytea),"
        "  CASE WHEN $1 > 0 THEN now() + make_interval(days => $1) END, report_date"
        " FROM in_messages ON CONFLICT (fingerprint) DO NOTHING RETURNING fingerprint),"
        " stale AS (DELETE FROM in_bounces WHERE fingerprint NOT IN"
        "  (SELECT fingerprint FROM new_messages))"
        " SELECT fingerprint FROM in_messages WHERE fingerprint NOT IN"
        "  (SELECT fingerprint FROM new_messages)",
        options_.raw_retention_days);
    const size_t new_messages = unique.size() - replayed.size();
    summary.messages = new_messages;
    summary.duplicates += replayed.size();
    if (new_messages == 0) {
      if (options_.before_commit) options_.before_commit();
      return;
    }

    // From here on the batch decides against what other processes committed.
    detail::lock_outcomes(tx);
    // Joined while staged, so every row is written once, already joined (an UPDATE after the
    // INSERT wrote each joined row and its index entries twice).
    summary.joined = detail::join_staged(tx, options_.join, "in_bounces");
    // The rows, and their webhook events with the join result, in the same transaction.
    const pqxx::result inserted = tx.exec(
        "WITH ins AS (INSERT INTO bounces (fingerprint, received_at, recipient, recipient_domain,"
        "  original_recipient, kind, category, reason, rule, action, status, reply_code,"
        "  diagnostic, remote_mta, original_message_id, verp_token, send_header, send_row_id,"
        "  send_sent_at, join_method, joined_at, same_failure)"
        " SELECT fingerprint, received_at, recipient, recipient_domain, original_recipient, kind,"
        "  category, reason, rule, action, status, reply_code, diagnostic, remote_mta,"
        "  original_message_id, verp_token, send_header, send_row_id, send_sent_at, join_method,"
        "  CASE WHEN send_row_id IS NOT NULL THEN now() END, same_failure"
        " FROM in_bounces ORDER BY n"
        " RETURNING id, recipient, recipient_domain, category, reason, received_at, same_failure,"
        "  rule, status, send_row_id, join_method),"
        " events AS (INSERT INTO outbox (event, payload) SELECT 'bounce', jsonb_build_object("
        "  'bounce_id', id, 'recipient', recipient, 'category', category, 'reason', reason,"
        "  'rule', rule, 'status', status, 'received_at', received_at,"
        "  'send_row_id', send_row_id, 'join_method', join_method) FROM ins ORDER BY id)"
        " SELECT id, recipient, recipient_domain, category, reason, received_at, same_failure"
        " FROM ins");
    summary.bounces = inserted.size();
    for (const auto& row : inserted) {
      // The DSN of a refusal already counted as that refusal makes no decision of its own.
      if (row[6].as<bool>()) continue;
      events.push_back({row[1].c_str(), row[2].c_str(), row[3].c_str(), row[4].c_str(),
                        row[0].as<long long>(), detail::parse_pg_time(row[5].c_str())});
    }
    if (!inserted.empty() && !replayed.empty()) {
      // Mail stored before and seen again: its rows that found no send then may find one now.
      std::vector<std::string> again;
      for (const auto& row : replayed) again.push_back(row[0].c_str());
      detail::JoinScope scope;
      scope.fingerprints = std::move(again);
      scope.since = first;
      scope.until = last;
      std::set<long long> joined_sends;
      const JoinCounts rejoined = detail::join_bounces(tx, options_.join, scope, &joined_sends);
      summary.joined.verp += rejoined.verp;
      summary.joined.message_id += rejoined.message_id;
      summary.joined.header += rejoined.header;
      summary.joined.recipient_window += rejoined.recipient_window;
      detail::link_same_failures(tx, joined_sends);
    }
    summary.suppressed = detail::apply_suppressions(tx, policy_, events);
    if (options_.before_commit) options_.before_commit();
  });
  if (!ok(status)) return std::get<StoreError>(status);
  return summary;
}

}  // namespace bounced::store
