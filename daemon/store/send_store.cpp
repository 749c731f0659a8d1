#include "send_store.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <unordered_map>

#include "address.hpp"
#include "pq.hpp"
#include "store_tx.hpp"

namespace bounced::store {

namespace detail {

namespace {

constexpr const char* kStage =
    "CREATE TEMP TABLE in_sends (n bigint, send_id text, message_id text, verp_token text,"
    " queue_id text, recipient text, recipient_domain text, campaign text, list_id text,"
    " customer text, attrs jsonb, sent_at timestamptz, outcome_at text, reply_code text,"
    " enhanced_status text, reply_text text, sync_category text, sync_reason text,"
    " sync_rule text, source text) ON COMMIT DROP";

// Which existing row each record is, in order of trust: the same send again (a replay, or the
// log's next attempt); the same queue id and recipient (the log, after the row took the
// imported send id); the same Message-ID and recipient reported by the other side and not
// contradicted by a queue id (a resend of one message is another row). The last two only within
// 7 days of the record's send time (Postfix keeps a message queued 5 days by default): the
// other side's report of one message comes within minutes, a queue id or Message-ID weeks
// apart is another message, and the bound lets each lookup probe the one or two months it can
// be in instead of every month's index. A row is taken by one record of a batch; the others
// become rows of their own.
constexpr const char* kMatch[] = {
    // A lookup by the unique key per record (LATERAL ... LIMIT 1): the planner would rather
    // hash every send in the table for each batch, which grows with the table, not the batch.
    "UPDATE in_sends i SET target_id = m.id, target_sent_at = m.sent_at FROM (SELECT i.n, s.id,"
    " s.sent_at FROM in_sends i CROSS JOIN LATERAL (SELECT s.id, s.sent_at FROM sends s"
    " WHERE s.send_id = i.send_id AND s.recipient = i.recipient AND s.sent_at = i.sent_at"
    " LIMIT 1) s) m WHERE i.n = m.n",
    "UPDATE in_sends i SET target_id = m.id, target_sent_at = m.sent_at FROM (SELECT i.n, s.id,"
    " s.sent_at FROM in_sends i CROSS JOIN LATERAL (SELECT s.id, s.sent_at FROM sends s"
    " WHERE s.queue_id = i.queue_id AND s.queue_id <> '' AND lower(s.recipient) ="
    " lower(i.recipient) AND s.sent_at >= i.sent_at - interval '7 days'"
    " AND s.sent_at <= i.sent_at + interval '7 days' ORDER BY s.sent_at DESC LIMIT 1) s"
    " WHERE i.target_id IS NULL AND i.queue_id <> '') m WHERE i.n = m.n",
    "UPDATE in_sends i SET target_id = m.id, target_sent_at = m.sent_at FROM (SELECT i.n, s.id,"
    " s.sent_at FROM in_sends i CROSS JOIN LATERAL (SELECT s.id, s.sent_at FROM sends s"
    " WHERE s.message_id = i.message_id AND s.message_id <> '' AND lower(s.recipient) ="
    " lower(i.recipient) AND NOT (i.source = ANY (s.sources))"
    " AND (i.queue_id = '' OR s.queue_id = '' OR s.queue_id = i.queue_id)"
    " AND s.sent_at >= i.sent_at - interval '7 days' AND s.sent_at <= i.sent_at + interval '7 days'"
    " ORDER BY abs(extract(epoch FROM s.sent_at - i.sent_at)) LIMIT 1) s"
    " WHERE i.target_id IS NULL AND i.message_id <> '') m WHERE i.n = m.n",
    ("UPDATE in_sends a SET target_id = NULL, target_sent_at = NULL FROM in_sends b"
     " WHERE a.target_id = b.target_id AND a.target_sent_at = b.target_sent_at AND a.n > b.n")};

// The merge of a record into its row. Ids, Message-ID, VERP token, queue id, campaign, list
// and customer fill what the row lacks; a row only the MTA's log has reported takes the
// sender's send id and send time (the row moves to that month, its bounces follow). The
// outcome (reply, category, time) is the MTA log's whenever it has one, else the newest
// report's; a record without a reply (pending) never replaces one. Rows that would not change
// are not touched, so a replay writes nothing.
constexpr const char* kMerge =
    "WITH v AS (SELECT o.id, o.sent_at AS old_sent_at, o.sync_category AS old_category,"
    "  o.reply_code || ' ' || o.reply_text AS old_reply,"
    "  CASE WHEN x.takes_ids THEN i.send_id ELSE o.send_id END AS send_id,"
    "  CASE WHEN x.takes_ids THEN i.sent_at ELSE o.sent_at END AS sent_at,"
    "  COALESCE(NULLIF(o.message_id, ''), i.message_id) AS message_id,"
    "  COALESCE(NULLIF(o.verp_token, ''), i.verp_token) AS verp_token,"
    "  COALESCE(NULLIF(o.queue_id, ''), i.queue_id) AS queue_id,"
    "  COALESCE(NULLIF(o.campaign, ''), i.campaign) AS campaign,"
    "  COALESCE(NULLIF(o.list_id, ''), i.list_id) AS list_id,"
    "  COALESCE(NULLIF(o.customer, ''), i.customer) AS customer,"
    "  CASE WHEN x.takes_outcome THEN o.attrs || i.attrs ELSE i.attrs || o.attrs END AS attrs,"
    "  CASE WHEN x.takes_outcome THEN i.reply_code ELSE o.reply_code END AS reply_code,"
    "  CASE WHEN x.takes_outcome THEN i.enhanced_status ELSE o.enhanced_status END"
    "   AS enhanced_status,"
    "  CASE WHEN x.takes_outcome THEN i.reply_text ELSE o.reply_text END AS reply_text,"
    "  CASE WHEN x.takes_outcome THEN i.sync_category ELSE o.sync_category END"
    "   AS sync_category,"
    "  CASE WHEN x.takes_outcome THEN i.sync_reason ELSE o.sync_reason END AS sync_reason,"
    "  CASE WHEN x.takes_outcome THEN i.sync_rule ELSE o.sync_rule END AS sync_rule,"
    "  CASE WHEN x.takes_outcome THEN COALESCE(NULLIF(i.outcome_at, '')::timestamptz,"
    "   i.sent_at) ELSE o.outcome_at END AS outcome_at,"
    "  CASE WHEN x.takes_outcome THEN i.source ELSE o.outcome_source END AS outcome_source,"
    "  CASE WHEN i.source = ANY (o.sources) THEN o.sources ELSE o.sources || i.source END"
    "   AS sources"
    " FROM in_sends i CROSS JOIN LATERAL (SELECT * FROM sends o WHERE o.id = i.target_id"
    "  AND o.sent_at = i.target_sent_at LIMIT 1) o"
    " CROSS JOIN LATERAL (SELECT i.source <> 'maillog' AND o.sources = ARRAY['maillog']"
    "   AS takes_ids, i.sync_category <> 'pending' AND (i.source = 'maillog'"
    "   OR o.outcome_source <> 'maillog') AS takes_outcome) x),"
    " updated AS (UPDATE sends s SET send_id = v.send_id, sent_at = v.sent_at,"
    "  message_id = v.message_id, verp_token = v.verp_token, queue_id = v.queue_id,"
    "  campaign = v.campaign, list_id = v.list_id, customer = v.customer, attrs = v.attrs,"
    "  reply_code = v.reply_code, enhanced_status = v.enhanced_status,"
    "  reply_text = v.reply_text, sync_category = v.sync_category,"
    "  sync_reason = v.sync_reason, sync_rule = v.sync_rule, outcome_at = v.outcome_at,"
    "  outcome_source = v.outcome_source, sources = v.sources, recorded_at = now()"
    "  FROM v WHERE s.id = v.id AND s.sent_at = v.old_sent_at AND (s.send_id, s.sent_at,"
    "  s.message_id, s.verp_token, s.queue_id, s.campaign, s.list_id, s.customer, s.attrs,"
    "  s.reply_code, s.enhanced_status, s.reply_text, s.sync_category, s.sync_reason,"
    "  s.sync_rule, s.outcome_at, s.outcome_source, s.sources) IS DISTINCT FROM (v.send_id,"
    "  v.sent_at, v.message_id, v.verp_token, v.queue_id, v.campaign, v.list_id, v.customer,"
    "  v.attrs, v.reply_code, v.enhanced_status, v.reply_text, v.sync_category,"
    "  v.sync_reason, v.sync_rule, v.outcome_at, v.outcome_source, v.sources)"
    "  RETURNING s.id, s.sent_at, v.old_sent_at, s.recipient, s.recipient_domain,"
    "  s.sync_category, s.sync_reason, s.outcome_at, v.old_category,"
    "  v.old_reply <> s.reply_code || ' ' || s.reply_text AS reply_changed),"
    " moved AS (UPDATE bounces b SET send_sent_at = u.sent_at FROM updated u"
    "  WHERE b.send_row_id = u.id AND b.send_sent_at = u.old_sent_at"
    "  AND u.sent_at <> u.old_sent_at)"
    " SELECT id, sent_at, recipient, recipient_domain, sync_category, sync_reason, outcome_at,"
    " old_category, reply_changed FROM updated";

// Records that are no row yet. Returns how many, and the refusals among them (at most one row
// with NULLs when there are none).
constexpr const char* kInsert =
    "WITH written AS (INSERT INTO sends (send_id, message_id, verp_token, queue_id, recipient,"
    " recipient_domain, campaign, list_id, customer, attrs, sent_at, outcome_at, reply_code,"
    " enhanced_status, reply_text, sync_category, sync_reason, sync_rule, source,"
    " outcome_source, sources)"
    " SELECT send_id, message_id, verp_token, queue_id, recipient, recipient_domain, campaign,"
    " list_id, customer, attrs, sent_at, CASE WHEN sync_category <> 'pending' THEN"
    " COALESCE(NULLIF(outcome_at, '')::timestamptz, sent_at) END, reply_code, enhanced_status,"
    " reply_text, sync_category, sync_reason, sync_rule, source,"
    " CASE WHEN sync_category <> 'pending' THEN source ELSE '' END, ARRAY[source]"
    " FROM in_sends WHERE target_id IS NULL ORDER BY n"
    " ON CONFLICT (send_id, recipient, sent_at) DO NOTHING"
    " RETURNING id, sent_at, recipient, recipient_domain, sync_category, sync_reason,"
    " outcome_at)"
    " SELECT n.total, w.id, w.sent_at, w.recipient, w.recipient_domain, w.sync_category,"
    " w.sync_reason, w.outcome_at FROM (SELECT count(*) AS total FROM written) n"
    " LEFT JOIN written w ON w.sync_category IN ('hard', 'soft', 'quota', 'unknown')";

// The keys of a batch, staged before the outcome lock: what the probe below and the late join
// compare. Narrow, so staging costs little next to the rows themselves.
constexpr const char* kStageKeys =
    "CREATE TEMP TABLE in_send_keys (n bigint, send_id text, message_id text, verp_token text,"
    " queue_id text, recipient text, sent_at timestamptz, source text) ON COMMIT DROP";

// The records that may be the row of another report of the same send: a candidate of kMatch's
// queue id or Message-ID lookup (the same conditions, so the two never disagree). One pass, a
// per-record index probe each (LATERAL ... LIMIT 1, as in kMatch), run only for records that have
// one. The same send again (kMatch's first lookup) is not probed: the unique index finds it while
// the COPY inserts (copy_new).
constexpr const char* kProbe =
    "SELECT k.n FROM in_send_keys k"
    " LEFT JOIN LATERAL (SELECT 1 AS hit FROM sends s WHERE k.queue_id <> ''"
    "  AND s.queue_id = k.queue_id AND s.queue_id <> '' AND lower(s.recipient) ="
    "  lower(k.recipient) AND s.sent_at >= k.sent_at - interval '7 days'"
    "  AND s.sent_at <= k.sent_at + interval '7 days' LIMIT 1) q ON true"
    " LEFT JOIN LATERAL (SELECT 1 AS hit FROM sends s WHERE k.message_id <> ''"
    "  AND s.message_id = k.message_id AND s.message_id <> '' AND lower(s.recipient) ="
    "  lower(k.recipient) AND NOT (k.source = ANY (s.sources))"
    "  AND (k.queue_id = '' OR s.queue_id = '' OR s.queue_id = k.queue_id)"
    "  AND s.sent_at >= k.sent_at - interval '7 days'"
    "  AND s.sent_at <= k.sent_at + interval '7 days' LIMIT 1) m ON true"
    " WHERE q.hit IS NOT NULL OR m.hit IS NOT NULL";

// The partition bounced_ensure_month (schema/001) made for the month of `time`.
std::string partition_of(const char* parent, Time time) {
  std::string month = month_of(time);
  month[4] = '_';
  return std::string(parent) + "_" + month;
}

bool is_failure(std::string_view category) {
  return category == "hard" || category == "soft" || category == "quota" || category == "unknown";
}

// The records that may already be a row: staged whole, matched to their rows (kMatch), merged
// into them (kMerge), and inserted where no row took them (kInsert). Adds the written rows to
// `summary`, the refusals to `refusals`, the sends whose refused-or-not changed to `changed`.
void merge_or_insert(pqxx::work& tx, const std::vector<SendRecord>& batch,
                     const std::vector<std::string>& times, const std::vector<bool>& merge,
                     const std::string& source_name, SendWriteSummary& summary,
                     std::vector<VerdictEvent>& refusals, std::set<long long>& changed) {
  tx.exec(kStage);
  {
    pqxx::stream_to copy(tx, "in_sends");
    for (size_t i = 0; i < batch.size(); ++i) {
      if (!merge[i]) continue;
      const SendRecord& r = batch[i];
      copy << std::make_tuple(static_cast<long>(i + 1), r.send_id, r.message_id, r.verp_token,
                              r.queue_id, r.recipient, std::string(address_domain_of(r.recipient)),
                              r.campaign, r.list_id, r.customer, r.attrs, times[i],
                              r.outcome_at ? pg_time(*r.outcome_at) : std::string(), r.reply_code,
                              r.enhanced_status, r.reply_text, r.sync_category, r.sync_reason,
                              r.sync_rule, source_name);
    }
    copy.complete();
  }
  tx.exec(
      "ALTER TABLE in_sends ADD COLUMN target_id bigint, ADD COLUMN target_sent_at timestamptz");
  for (const char* match : kMatch) tx.exec(match);

  const pqxx::result updated = tx.exec(kMerge);
  for (const auto& row : updated) {
    const std::string category = row[4].c_str();
    const std::string old_category = row[7].c_str();
    if (is_failure(category) != is_failure(old_category)) changed.insert(row[0].as<long long>());
    if (is_failure(category) && (category != old_category || row[8].as<bool>())) {
      refusals.push_back({row[2].c_str(), row[3].c_str(), category, row[5].c_str(), 0,
                          parse_pg_time(row[6].c_str()), true});
    }
  }
  const pqxx::result inserted = tx.exec(kInsert);
  summary.inserted += inserted.empty() ? 0 : inserted[0][0].as<size_t>();
  for (const auto& row : inserted) {
    if (row[1].is_null()) continue;
    refusals.push_back({row[3].c_str(), row[4].c_str(), row[5].c_str(), row[6].c_str(), 0,
                        parse_pg_time(row[7].c_str()), true});
  }
  summary.updated += updated.size();
  tx.exec("DROP TABLE in_sends");  // a batch may come here twice (copy_new's fallback)
}

// New rows, COPYed into their month's partition: no staging table and no conflict check of
// their own. Under the outcome lock no other writer adds sends, the probe found no row of
// another report for them, and the batch holds each key once, so a record that is a row
// already can only be the same send again - which the unique index refuses. Then the COPY is
// undone (a savepoint) and false returned: the caller merges these records instead. Else adds
// them to `summary` and their refusals to `refusals`.
bool copy_new(pqxx::work& tx, const std::vector<SendRecord>& batch,
              const std::vector<std::string>& times, const std::vector<bool>& fresh,
              const std::string& source_name, SendWriteSummary& summary,
              std::vector<VerdictEvent>& refusals) {
  static const std::vector<std::string> kColumns = {
      "send_id",          "message_id",  "verp_token", "queue_id",        "recipient",
      "recipient_domain", "campaign",    "list_id",    "customer",        "attrs",
      "sent_at",          "outcome_at",  "reply_code", "enhanced_status", "reply_text",
      "sync_category",    "sync_reason", "sync_rule",  "source",          "outcome_source",
      "sources"};
  std::map<std::string, std::vector<size_t>> by_month;
  for (size_t i = 0; i < batch.size(); ++i) {
    if (fresh[i]) by_month[partition_of("sends", batch[i].sent_at)].push_back(i);
  }
  if (by_month.empty()) return true;
  const std::string sources = "{" + source_name + "}";
  const std::string no_source;
  std::vector<VerdictEvent> refused;
  size_t copied = 0;
  try {
    pqxx::subtransaction savepoint(tx, "new_sends");
    for (const auto& [partition, rows] : by_month) {
      pqxx::stream_to copy(savepoint, partition, kColumns);
      for (size_t i : rows) {
        const SendRecord& r = batch[i];
        const bool pending = r.sync_category == "pending";
        // kInsert's rule: a reply has a time (the log line's, else the send's); pending none.
        const std::string outcome_at = pending        ? std::string()
                                       : r.outcome_at ? pg_time(*r.outcome_at)
                                                      : times[i];
        const char* outcome_or_null = pending ? nullptr : outcome_at.c_str();
        const std::string& outcome_source = pending ? no_source : source_name;
        const std::string domain(address_domain_of(r.recipient));
        copy << std::tie(r.send_id, r.message_id, r.verp_token, r.queue_id, r.recipient, domain,
                         r.campaign, r.list_id, r.customer, r.attrs, times[i], outcome_or_null,
                         r.reply_code, r.enhanced_status, r.reply_text, r.sync_category,
                         r.sync_reason, r.sync_rule, source_name, outcome_source, sources);
        if (is_failure(r.sync_category)) {
          refused.push_back({r.recipient, domain, r.sync_category, r.sync_reason, 0,
                             r.outcome_at.value_or(r.sent_at), true});
        }
      }
      copy.complete();
      copied += rows.size();
    }
    savepoint.commit();
  } catch (const pqxx::unique_violation&) {
    return false;
  }
  summary.inserted += copied;
  refusals.insert(refusals.end(), std::make_move_iterator(refused.begin()),
                  std::make_move_iterator(refused.end()));
  return true;
}

// Whether the first or the last of the `fresh` records is stored already.
bool seen_before(pqxx::work& tx, const std::vector<SendRecord>& batch,
                 const std::vector<std::string>& times, const std::vector<bool>& fresh) {
  const auto first = std::find(fresh.begin(), fresh.end(), true);
  if (first == fresh.end()) return false;
  const size_t a = static_cast<size_t>(first - fresh.begin());
  const size_t b =
      fresh.size() - 1 -
      static_cast<size_t>(std::find(fresh.rbegin(), fresh.rend(), true) - fresh.rbegin());
  return tx
      .exec_params(
          "SELECT EXISTS (SELECT 1 FROM sends WHERE send_id = $1 AND recipient = $2"
          " AND sent_at = $3) OR EXISTS (SELECT 1 FROM sends WHERE send_id = $4"
          " AND recipient = $5 AND sent_at = $6)",
          batch[a].send_id, batch[a].recipient, times[a], batch[b].send_id, batch[b].recipient,
          times[b])[0][0]
      .as<bool>();
}

}  // namespace

SendWriteSummary write_sends(pqxx::work& tx, const std::vector<SendRecord>& batch,
                             SendSource source, const JoinOptions& join,
                             const SuppressionPolicy& policy) {
  SendWriteSummary summary;
  if (batch.empty()) return summary;
  Time first = batch.front().sent_at;
  for (const auto& record : batch) first = std::min(first, record.sent_at);
  const std::string source_name = to_string(source);
  // One record per send of the batch: the log's last attempt, the send log's first line. Picked
  // here, before any COPY, instead of by a self-join of the staged batch; n (the index + 1)
  // keeps the batch's order. The key is the stored one: sent_at as PostgreSQL will store it.
  std::vector<std::string> times(batch.size());
  std::vector<bool> kept(batch.size(), true);
  // Records whose key differs from another's only in the case of the address go through the
  // merge: a merge may give a row one spelling and the other record's key the other.
  std::vector<bool> merge(batch.size(), false);
  {
    // Without a capital letter in any address no two keys can differ only in case: the
    // common batch skips this map.
    const bool any_capital = std::any_of(batch.begin(), batch.end(), [](const SendRecord& r) {
      return std::any_of(r.recipient.begin(), r.recipient.end(),
                         [](char c) { return c >= 'A' && c <= 'Z'; });
    });
    std::unordered_map<std::string, size_t> first_of_key, first_of_folded_key;
    first_of_key.reserve(batch.size());
    if (any_capital) first_of_folded_key.reserve(batch.size());
    for (size_t i = 0; i < batch.size(); ++i) {
      times[i] = pg_time(batch[i].sent_at);
      std::string key = batch[i].send_id;
      key.push_back('\0');
      key += times[i];
      key.push_back('\0');
      if (any_capital) {
        auto [folded, fresh_folded] =
            first_of_folded_key.try_emplace(key + lower_ascii(batch[i].recipient), i);
        if (!fresh_folded && batch[folded->second].recipient != batch[i].recipient) {
          merge[folded->second] = merge[i] = true;
        }
      }
      key += batch[i].recipient;
      auto [at, fresh] = first_of_key.try_emplace(std::move(key), i);
      if (fresh) continue;
      if (source == SendSource::maillog) {
        kept[at->second] = false;
        at->second = i;
      } else {
        kept[i] = false;
      }
    }
  }
  tx.exec(kStageKeys);
  {
    pqxx::stream_to copy(tx, "in_send_keys");
    for (size_t i = 0; i < batch.size(); ++i) {
      if (!kept[i]) continue;
      const SendRecord& r = batch[i];
      copy << std::make_tuple(static_cast<long>(i + 1), std::cref(r.send_id),
                              std::cref(r.message_id), std::cref(r.verp_token),
                              std::cref(r.queue_id), std::cref(r.recipient), std::cref(times[i]),
                              std::cref(source_name));
    }
    copy.complete();
  }
  // From here on the batch decides against what other processes committed: which records are
  // rows already, merge targets, joins and suppression counts. Another process's rows for the
  // same sends committed before this lock was granted, so the probe and the COPY see them.
  lock_outcomes(tx);
  for (const auto& row : tx.exec(kProbe)) merge[row[0].as<size_t>() - 1] = true;
  std::vector<bool> fresh(batch.size(), false);
  bool any_merge = false;
  for (size_t i = 0; i < batch.size(); ++i) {
    merge[i] = merge[i] && kept[i];
    fresh[i] = kept[i] && !merge[i];
    any_merge = any_merge || merge[i];
  }

  std::vector<VerdictEvent> refusals;
  std::set<long long> refusal_changed;  // sends whose refused-or-not changed: relink
  if (any_merge) {
    merge_or_insert(tx, batch, times, merge, source_name, summary, refusals, refusal_changed);
  }
  // A replay (or a batch another process has just written) fails the COPY at its first known
  // send and is merged as a whole: the merge finds each record's row and changes only what
  // differs. A failed COPY has still sent and parsed every row, so a replay is recognised
  // first by its first and last new record (two index probes): a whole file imported again
  // goes to the merge at once.
  if (seen_before(tx, batch, times, fresh) ||
      !copy_new(tx, batch, times, fresh, source_name, summary, refusals)) {
    merge_or_insert(tx, batch, times, fresh, source_name, summary, refusals, refusal_changed);
  }
  summary.unchanged = batch.size() - summary.inserted - summary.updated;

  if (summary.inserted > 0 || summary.updated > 0) {
    // Bounces that came before these sends were known: received after the earliest send here.
    JoinScope scope;
    scope.since = first;
    scope.until = Time(std::chrono::seconds(253402300799));
    scope.late = true;
    scope.staged_sends = "in_send_keys";
    summary.late_joined = join_bounces(tx, join, scope, &refusal_changed);
  }
  // Before the policy counts: the DSN our MTA wrote for a refusal counts as that refusal.
  link_same_failures(tx, refusal_changed);
  summary.suppressed = apply_suppressions(tx, policy, std::move(refusals));
  return summary;
}

}  // namespace detail

Result<SendWriteSummary> SendStore::write(const std::vector<SendRecord>& batch, SendSource source) {
  SendWriteSummary summary;
  if (batch.empty()) return summary;
  std::set<Time> times;
  for (const auto& record : batch) times.insert(record.sent_at);
  if (Status s = partitions_.ensure(database_, times); !ok(s)) return std::get<StoreError>(s);
  Status status = detail::in_transaction(database_, [&](pqxx::work& tx) {
    summary = detail::write_sends(tx, batch, source, join_, policy_);
  });
  if (!ok(status)) return std::get<StoreError>(status);
  return summary;
}

Result<std::vector<std::string>> SendStore::refresh_statistics() {
  // relpages and reltuples are those of the last ANALYZE (or VACUUM); the planner scales the
  // tuple density to the current size, so growth is the size now against relpages then.
  constexpr const char* kStale =
      "WITH leaf AS (SELECT c.oid::regclass::text AS name, c.reltuples, c.relpages,"
      "  pg_relation_size(c.oid) / current_setting('block_size')::bigint AS pages"
      "  FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
      "  WHERE i.inhparent = 'sends'::regclass AND c.relkind = 'r'),"
      " stale AS (SELECT name FROM leaf WHERE reltuples < 0 OR pages > relpages * 1.1 + 8),"
      // A month never analyzed holds rows of unknown number and spread: the parent too.
      " parent AS (SELECT c.reltuples < 0"
      "  OR EXISTS (SELECT 1 FROM leaf WHERE reltuples < 0 AND pages > 0)"
      "  OR (SELECT sum(reltuples * pages / greatest(relpages, 1)) FROM leaf WHERE reltuples >= 0)"
      "   > c.reltuples * 1.1 + 1000 AS stale FROM pg_class c WHERE c.oid = 'sends'::regclass)"
      " SELECT 'sends' WHERE (SELECT stale FROM parent)"
      " UNION ALL SELECT name FROM stale WHERE NOT (SELECT stale FROM parent) ORDER BY 1";
  std::vector<std::string> analyzed;
  Status status = detail::in_transaction(database_, [&](pqxx::work& tx) {
    analyzed.clear();
    for (const auto& row : tx.exec(kStale)) analyzed.push_back(row[0].c_str());
    for (const auto& name : analyzed) tx.exec("ANALYZE " + tx.quote_name(name));
  });
  if (!ok(status)) return std::get<StoreError>(status);
  return analyzed;
}

}  // namespace bounced::store
