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
    tx.exec(
        "CREATE TEMP TABLE in_messages (fingerprint text, received_at timestamptz, source text, "
        "kind text, format text, report_message_id text, original_message_id text, "
        "envelope_recipient text, verp_token text, send_header text, raw_size integer, "
        "raw_gz bytea, report_date text) ON COMMIT DROP");
    tx.exec(
        "CREATE TEMP TABLE in_bounces (fingerprint text, received_at timestamptz, recipient text, "
        "recipient_domain text, original_recipient text, kind text, category text, reason text, "
        "rule text, action text, status text, reply_code text, diagnostic text, remote_mta text, "
        "original_message_id text, verp_token text, send_header text) ON COMMIT DROP");
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
      pqxx::stream_to rows_out(tx, "in_bounces");
      for (size_t i = 0; i < unique.size(); ++i) {
        const BounceRecord& r = *unique[i];
        const std::string when = detail::pg_time(r.received_at);
        std::set<std::string> recipients_seen;
        for (const auto& recipient : r.recipients) {
          const std::string address = normalize_address(recipient.address);
          if (address.empty() || !recipients_seen.insert(address).second) continue;
          rows_out << std::make_tuple(
              fingerprints[i], when, address, std::string(address_domain_of(address)),
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
    pqxx::result inserted = tx.exec_params(
        "WITH new_messages AS ("
        " INSERT INTO bounce_messages (fingerprint, received_at, source, kind, format,"
        "  report_message_id, original_message_id, envelope_recipient, verp_token, send_header,"
        "  raw_size, raw_gz, raw_expires_at, report_date)"
        " SELECT fingerprint, received_at, source, kind, format, report_message_id,"
        "  original_message_id, envelope_recipient, verp_token, send_header, raw_size,"
        "  NULLIF(raw_gz, ''::bytea),"
        "  CASE WHEN $1 > 0 THEN now() + make_interval(days => $1) END, report_date"
        " FROM in_messages ON CONFLICT (fingerprint) DO NOTHING RETURNING fingerprint)"
        " INSERT INTO bounces (fingerprint, received_at, recipient, recipient_domain,"
        "  original_recipient, kind, category, reason, rule, action, status, reply_code,"
        "  diagnostic, remote_mta, original_message_id, verp_token, send_header)"
        " SELECT r.fingerprint, r.received_at, r.recipient, r.recipient_domain,"
        "  r.original_recipient, r.kind, r.category, r.reason, r.rule, r.action, r.status,"
        "  r.reply_code, r.diagnostic, r.remote_mta, r.original_message_id, r.verp_token,"
        "  r.send_header FROM in_bounces r JOIN new_messages m USING (fingerprint)"
        " RETURNING id, recipient, recipient_domain, category, reason, received_at,"
        "  (SELECT count(*) FROM new_messages)",
        options_.raw_retention_days);
    const size_t new_messages =
        inserted.empty()
            ? static_cast<size_t>(
                  tx.exec_params("SELECT count(*) FROM bounce_messages WHERE fingerprint = "
                                 "ANY($1::text[]) AND stored_at = now()",
                                 detail::pg_text_array(fingerprints))[0][0]
                      .as<long>())
            : inserted[0][6].as<size_t>();
    summary.messages = new_messages;
    summary.duplicates += unique.size() - new_messages;
    summary.bounces = inserted.size();
    for (const auto& row : inserted) {
      events.push_back({row[1].c_str(), row[2].c_str(), row[3].c_str(), row[4].c_str(),
                        row[0].as<long long>(), detail::parse_pg_time(row[5].c_str())});
    }
    if (!events.empty()) {
      // From here on the batch decides against what other processes committed.
      detail::lock_outcomes(tx);
      detail::JoinScope scope;
      scope.fingerprints = fingerprints;
      scope.since = first;
      scope.until = last;
      std::set<long long> joined_sends;
      summary.joined = detail::join_bounces(tx, options_.join, scope, &joined_sends);
      detail::link_same_failures(tx, joined_sends);
      if (!joined_sends.empty()) {
        // The DSN of a refusal already counted as that refusal makes no decision of its own.
        std::set<long long> same_failures;
        for (const auto& row : tx.exec_params(
                 "SELECT id FROM bounces WHERE fingerprint = ANY($1::text[]) AND received_at >= $2"
                 " AND received_at <= $3 AND same_failure",
                 detail::pg_text_array(fingerprints), detail::pg_time(first),
                 detail::pg_time(last))) {
          same_failures.insert(row[0].as<long long>());
        }
        std::erase_if(events, [&](const detail::VerdictEvent& event) {
          return same_failures.contains(event.bounce_id);
        });
      }
      summary.suppressed = detail::apply_suppressions(tx, policy_, events);
      // Webhook events, with the join result, in the same transaction as the rows.
      tx.exec_params(
          "INSERT INTO outbox (event, payload) SELECT 'bounce', jsonb_build_object("
          "'bounce_id', id, 'recipient', recipient, 'category', category, 'reason', reason,"
          "'rule', rule, 'status', status, 'received_at', received_at, 'send_row_id', send_row_id,"
          "'join_method', join_method) FROM bounces WHERE fingerprint = ANY($1::text[]) AND "
          "received_at >= $2 AND received_at <= $3 AND id >= $4",
          detail::pg_text_array(fingerprints), detail::pg_time(first), detail::pg_time(last),
          std::min_element(events.begin(), events.end(), [](const auto& a, const auto& b) {
            return a.bounce_id < b.bounce_id;
          })->bounce_id);
    }
    if (options_.before_commit) options_.before_commit();
  });
  if (!ok(status)) return std::get<StoreError>(status);
  return summary;
}

}  // namespace bounced::store
