// The suppression step of a batch, set-based: one statement gathers the evidence for every new
// verdict of the batch (current suppression state and the counts in each rule's window), the
// pure SuppressionPolicy decides in C++ walking the verdicts in time order, and one statement
// writes every change (suppressions upsert, suppression_events, outbox) - three round trips per
// batch instead of three to five per address. The caller holds the outcome lock, so the
// evidence includes every verdict other processes committed.
#include <algorithm>
#include <map>

#include "address.hpp"
#include "pq.hpp"
#include "store_tx.hpp"

namespace bounced::store::detail {

namespace {

// What the evidence statement says about one verdict.
struct Evidence {
  std::string state;  // suppressions.state before the batch, "" when none
  bool permanent = false;
  std::optional<Time> removed_at;
  int count_all = 0;            // in the window, after the last reset
  int count_since_removal = 0;  // ... and after a manual removal
};

// Counts are of this category for the address (compared in lower case, as the MTA's access map
// does) in (at - within, at], after the last reset: a delivered DSN (stored, or earlier in this
// batch), or an accepted send not bounced within success_window. Both asynchronous verdicts
// (bounces) and synchronous refusals (sends) count - a DSN that our MTA wrote for a refusal on
// the send (same_failure) only once, as the refusal; a deferral (sync_category deferred) and a
// delay warning (category delayed) never. Verdicts of rules without a threshold skip the
// counting (counted = false).
constexpr const char* kEvidenceSql =
    "WITH e AS (SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::float8[],"
    "  $5::boolean[]) WITH ORDINALITY AS e(address, category, at, within_secs, counted, n)),"
    " d AS (SELECT * FROM unnest($6::text[], $7::timestamptz[]) AS d(address, at))"
    " SELECT e.n, COALESCE(sup.state, ''), sup.expires_at IS NULL,"
    "  CASE WHEN sup.state = 'removed' THEN sup.removed_at END, c.count_all,"
    "  c.count_since_removal"
    " FROM e LEFT JOIN suppressions sup ON sup.address = e.address"
    " LEFT JOIN address_resets ar ON ar.address = e.address"
    " LEFT JOIN LATERAL (SELECT GREATEST(COALESCE(ar.reset_at, '-infinity'),"
    "   COALESCE((SELECT max(d.at) FROM d WHERE d.address = e.address AND d.at <= e.at),"
    "    '-infinity'),"
    "   COALESCE((SELECT max(s.outcome_at) FROM sends s WHERE lower(s.recipient) = e.address"
    "     AND s.sync_category = 'accepted'"
    "     AND s.outcome_at <= e.at - make_interval(secs => $8)"
    "     AND NOT EXISTS (SELECT 1 FROM bounces x WHERE x.send_row_id = s.id"
    "      AND x.send_sent_at = s.sent_at"
    "      AND x.category IN ('hard','soft','quota','unknown','complaint')"
    "      AND x.received_at <= s.outcome_at + make_interval(secs => $8))),"
    "    '-infinity')) AS reset_at WHERE e.counted) r ON true"
    " LEFT JOIN LATERAL (SELECT count(*) FILTER (WHERE v.at > r.reset_at) AS count_all,"
    "   count(*) FILTER (WHERE v.at > GREATEST(r.reset_at, COALESCE(sup.removed_at,"
    "    '-infinity'))) AS count_since_removal"
    "  FROM (SELECT b.received_at AS at FROM bounces b WHERE lower(b.recipient) = e.address"
    "    AND b.category = e.category AND NOT b.same_failure AND b.received_at <= e.at"
    "    AND b.received_at > e.at - make_interval(secs => e.within_secs)"
    "   UNION ALL SELECT s.outcome_at FROM sends s WHERE lower(s.recipient) = e.address"
    "    AND s.sync_category = e.category AND s.outcome_at <= e.at"
    "    AND s.outcome_at > e.at - make_interval(secs => e.within_secs)) v"
    "  WHERE e.counted) c ON true";

// Every change of the batch in one statement. The suppressions upsert takes the last change of
// each address (ON CONFLICT cannot touch a row twice in one statement); the history and the
// outbox get every change. The upsert is monotonic whatever the C++ side decided: an active
// suppression until removed is never turned into an expiring one, and an expiring one only
// ever ends later.
constexpr const char* kWriteSql =
    "WITH u AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[],"
    "  $5::bigint[], $6::text[], $7::text[]) WITH ORDINALITY"
    "  AS u(address, domain, category, reason, bounce_id, expires_at, note, n)),"
    " upsert AS (INSERT INTO suppressions AS cur (address, domain, state, category, reason,"
    "  bounce_id, first_at, updated_at, expires_at, note)"
    "  SELECT DISTINCT ON (address) address, domain, 'active', category, reason,"
    "   NULLIF(bounce_id, 0), now(), now(), NULLIF(expires_at, '')::timestamptz, note"
    "  FROM u ORDER BY address, n DESC"
    "  ON CONFLICT (address) DO UPDATE SET state = 'active', category = EXCLUDED.category,"
    "  reason = EXCLUDED.reason, bounce_id = EXCLUDED.bounce_id, updated_at = now(),"
    "  expires_at = CASE WHEN EXCLUDED.expires_at IS NULL THEN NULL"
    "   WHEN cur.state = 'active' AND cur.expires_at > now()"
    "    THEN GREATEST(cur.expires_at, EXCLUDED.expires_at)"
    "   ELSE EXCLUDED.expires_at END,"
    "  removed_at = NULL, note = EXCLUDED.note"
    "  WHERE NOT (cur.state = 'active' AND cur.expires_at IS NULL) RETURNING cur.address),"
    " history AS (INSERT INTO suppression_events (address, action, category, reason, bounce_id,"
    "  note) SELECT address, 'suppress', category, reason, NULLIF(bounce_id, 0), note FROM u"
    "  WHERE address IN (SELECT address FROM upsert) ORDER BY n),"
    " events AS (INSERT INTO outbox (event, payload) SELECT 'suppressed', jsonb_build_object("
    "  'address', address, 'category', category, 'reason', reason,"
    "  'bounce_id', NULLIF(bounce_id, 0), 'expires_at', NULLIF(expires_at, '')::timestamptz)"
    "  FROM u WHERE address IN (SELECT address FROM upsert) ORDER BY n)"
    " SELECT count(*) FROM upsert";

// Columns of an unnest() call, built one row at a time.
struct Columns {
  std::vector<std::vector<std::string>> columns;
  explicit Columns(size_t n) : columns(n) {}
  template <typename... Values>
  void add(Values&&... values) {
    size_t i = 0;
    (columns[i++].push_back(std::forward<Values>(values)), ...);
  }
  std::string array(size_t i) const { return pg_text_array(columns[i]); }
  bool empty() const { return columns.front().empty(); }
};

}  // namespace

size_t apply_suppressions(pqxx::work& tx, const SuppressionPolicy& policy,
                          std::vector<VerdictEvent> events) {
  for (auto& event : events) event.address = lower_ascii(std::move(event.address));
  std::stable_sort(events.begin(), events.end(),
                   [](const auto& a, const auto& b) { return a.at < b.at; });
  // A delivered DSN: the address works, soft and quota counts start again from it.
  Columns delivered(2);
  // The verdicts a rule may act on, with the index of their event.
  Columns candidates(5);
  std::vector<const VerdictEvent*> candidate_events;
  for (const auto& event : events) {
    if (event.category == "delivered") {
      delivered.add(event.address, pg_time(event.at));
      continue;
    }
    if (!policy.may_act(event.category, event.reason, event.domain)) continue;
    const CategoryRule& rule = policy.rule_for(event.category, event.domain);
    const bool counted = rule.mode == CategoryRule::Mode::threshold;
    candidates.add(event.address, event.category, pg_time(event.at),
                   std::to_string(rule.within.count()), std::string(counted ? "t" : "f"));
    candidate_events.push_back(&event);
  }

  std::vector<Evidence> evidence(candidate_events.size());
  if (!candidate_events.empty()) {
    const pqxx::result rows = tx.exec_params(
        kEvidenceSql, candidates.array(0), candidates.array(1), candidates.array(2),
        candidates.array(3), candidates.array(4), delivered.array(0), delivered.array(1),
        static_cast<double>(policy.config().success_window.count()));
    for (const auto& row : rows) {
      Evidence& e = evidence.at(row[0].as<size_t>() - 1);
      e.state = row[1].c_str();
      e.permanent = !row[2].is_null() && row[2].as<bool>();
      if (!row[3].is_null()) e.removed_at = parse_pg_time(row[3].c_str());
      e.count_all = row[4].is_null() ? 0 : row[4].as<int>();
      e.count_since_removal = row[5].is_null() ? 0 : row[5].as<int>();
    }
  }

  // The walk in time order: what an earlier verdict of this batch decided for an address holds
  // for its later ones (a permanent suppression needs nothing more; a re-suppression ends a
  // manual removal, so counts no longer stop at it).
  struct Current {
    std::string state;
    bool permanent = false;
    bool removal_ended = false;
    std::optional<Time> removed_at;
  };
  std::map<std::string, Current> current;
  Columns changes(7);
  for (size_t i = 0; i < candidate_events.size(); ++i) {
    const VerdictEvent& event = *candidate_events[i];
    auto [it, fresh] = current.try_emplace(event.address);
    if (fresh) {
      it->second = {evidence[i].state, evidence[i].permanent, false, evidence[i].removed_at};
    }
    Current& now = it->second;
    if (now.state == "active" && now.permanent) continue;  // nothing stronger to decide

    SuppressionEvidence input;
    input.category = event.category;
    input.reason = event.reason;
    input.domain = event.domain;
    input.at = event.at;
    if (now.state == "removed") input.removed_at = now.removed_at;
    input.count_in_window =
        policy.rule_for(event.category, event.domain).mode == CategoryRule::Mode::threshold
            ? (now.removal_ended ? evidence[i].count_all : evidence[i].count_since_removal)
            : 1;
    const SuppressionDecision decision = policy.decide(input);
    if (!decision.suppress) continue;
    const std::string why =
        event.at_send_time ? decision.why + " (refused at send time)" : decision.why;
    changes.add(event.address, event.domain, event.category, event.reason,
                std::to_string(event.bounce_id),
                decision.expires_at ? pg_time(*decision.expires_at) : std::string(), why);
    now = {"active", !decision.expires_at, true, std::nullopt};
  }
  size_t suppressed = 0;
  if (!changes.empty()) {
    suppressed =
        tx.exec_params(kWriteSql, changes.array(0), changes.array(1), changes.array(2),
                       changes.array(3), changes.array(4), changes.array(5), changes.array(6))[0][0]
            .as<size_t>();
  }
  if (!delivered.empty()) {
    tx.exec_params(
        "INSERT INTO address_resets (address, reset_at)"
        " SELECT address, max(at) FROM unnest($1::text[], $2::timestamptz[]) AS d(address, at)"
        " GROUP BY address ON CONFLICT (address)"
        " DO UPDATE SET reset_at = GREATEST(address_resets.reset_at, EXCLUDED.reset_at)",
        delivered.array(0), delivered.array(1));
  }
  return suppressed;
}

}  // namespace bounced::store::detail
