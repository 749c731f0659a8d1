#include "send_store.hpp"

#include <algorithm>

#include "address.hpp"
#include "pq.hpp"
#include "store_tx.hpp"

namespace bounced::store {

namespace detail {

SendWriteSummary write_sends(pqxx::work& tx, const std::vector<SendRecord>& batch, bool upsert,
                             const JoinOptions& join, const SuppressionPolicy& policy,
                             const std::set<std::string>& months) {
  SendWriteSummary summary;
  if (batch.empty()) return summary;
  Time first = batch.front().sent_at;
  for (const auto& record : batch) first = std::min(first, record.sent_at);
  ensure_months(tx, "sends", months);
  tx.exec(
      "CREATE TEMP TABLE in_sends (send_id text, message_id text, verp_token text,"
      " recipient text, recipient_domain text, campaign text, list_id text, customer text,"
      " attrs jsonb, sent_at timestamptz, reply_code text, enhanced_status text,"
      " reply_text text, sync_category text, sync_reason text, sync_rule text, source text)"
      " ON COMMIT DROP");
  {
    pqxx::stream_to copy(tx, "in_sends");
    for (const auto& r : batch) {
      copy << std::make_tuple(r.send_id, r.message_id, r.verp_token, r.recipient,
                              std::string(address_domain_of(r.recipient)), r.campaign, r.list_id,
                              r.customer, r.attrs, pg_time(r.sent_at), r.reply_code,
                              r.enhanced_status, r.reply_text, r.sync_category, r.sync_reason,
                              r.sync_rule, std::string(upsert ? "maillog" : "import"));
    }
    copy.complete();
  }
  const std::string conflict =
      upsert ? " ON CONFLICT (send_id, recipient, sent_at) DO UPDATE SET"
               " reply_code = EXCLUDED.reply_code, enhanced_status = EXCLUDED.enhanced_status,"
               " reply_text = EXCLUDED.reply_text, sync_category = EXCLUDED.sync_category,"
               " sync_reason = EXCLUDED.sync_reason, sync_rule = EXCLUDED.sync_rule,"
               " message_id = CASE WHEN EXCLUDED.message_id <> '' THEN EXCLUDED.message_id"
               "  ELSE sends.message_id END,"
               " verp_token = CASE WHEN EXCLUDED.verp_token <> '' THEN EXCLUDED.verp_token"
               "  ELSE sends.verp_token END, recorded_at = now()"
               " WHERE (sends.reply_code, sends.reply_text, sends.sync_category) IS DISTINCT FROM"
               " (EXCLUDED.reply_code, EXCLUDED.reply_text, EXCLUDED.sync_category)"
             : " ON CONFLICT (send_id, recipient, sent_at) DO NOTHING";
  // An upsert must see each key once per statement (ON CONFLICT DO UPDATE cannot touch a row
  // twice), so the last line per key wins; DO NOTHING copes with repeats by itself.
  const std::string source =
      upsert ? " SELECT DISTINCT ON (send_id, recipient, sent_at) * FROM (SELECT *,"
               " row_number() OVER () AS n FROM in_sends) i"
               " ORDER BY send_id, recipient, sent_at, n DESC"
             : " SELECT *, 0 AS n FROM in_sends";
  // Returns how many rows were written, and the refusals among them (at most one row with
  // NULLs when there are none): only rows written now, so a replay refuses nothing twice.
  pqxx::result result = tx.exec(
      "WITH written AS (INSERT INTO sends (send_id, message_id, verp_token, recipient,"
      " recipient_domain, campaign, list_id, customer, attrs, sent_at, reply_code,"
      " enhanced_status, reply_text, sync_category, sync_reason, sync_rule, source)"
      " SELECT send_id, message_id, verp_token, recipient, recipient_domain, campaign, list_id,"
      " customer, attrs, sent_at, reply_code, enhanced_status, reply_text, sync_category,"
      " sync_reason, sync_rule, source FROM (" +
      source + ") s" + conflict +
      " RETURNING recipient, recipient_domain, sync_category, sync_reason, sent_at)"
      " SELECT n.total, w.recipient, w.recipient_domain, w.sync_category, w.sync_reason,"
      " w.sent_at FROM (SELECT count(*) AS total FROM written) n LEFT JOIN written w"
      " ON w.sync_category NOT IN ('accepted', 'pending')");
  const size_t written = result.empty() ? 0 : result[0][0].as<size_t>();
  // (xmax cannot be read through a partitioned table, so an upsert does not tell inserts
  // from updates.)
  (upsert ? summary.updated : summary.inserted) = written;
  summary.unchanged = batch.size() - written;
  // A refusal at send time is a verdict like a bounce: a 550 5.1.1 suppresses as a hard bounce
  // does, and 4xx refusals count towards the soft threshold.
  std::vector<VerdictEvent> refusals;
  for (const auto& row : result) {
    if (row[1].is_null()) continue;
    refusals.push_back({row[1].c_str(), row[2].c_str(), row[3].c_str(), row[4].c_str(), 0,
                        parse_pg_time(row[5].c_str()), true});
  }
  summary.suppressed = apply_suppressions(tx, policy, std::move(refusals));
  if (written > 0) {
    // Bounces that came before these sends were known: received after the earliest send here.
    JoinScope scope;
    scope.since = first;
    scope.until = Time(std::chrono::seconds(253402300799));
    scope.late = true;
    summary.late_joined = join_bounces(tx, join, scope);
  }
  return summary;
}

}  // namespace detail

Result<SendWriteSummary> SendStore::write(const std::vector<SendRecord>& batch, bool upsert) {
  SendWriteSummary summary;
  if (batch.empty()) return summary;
  std::set<std::string> months;
  for (const auto& record : batch) {
    const std::string month = detail::month_of(record.sent_at);
    if (!months_.contains(month)) months.insert(month);
  }
  Status status = detail::in_transaction(database_, [&](pqxx::work& tx) {
    summary = detail::write_sends(tx, batch, upsert, join_, policy_, months);
  });
  if (!ok(status)) return std::get<StoreError>(status);
  months_.insert(months.begin(), months.end());
  return summary;
}

Status SendStore::refresh_statistics() {
  return detail::in_transaction(database_, [](pqxx::work& tx) { tx.exec("ANALYZE sends"); });
}

}  // namespace bounced::store
