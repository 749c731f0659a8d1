#include "send_joiner.hpp"

#include "pq.hpp"
#include "store_tx.hpp"

namespace bounced::store {

namespace detail {

namespace {

// One UPDATE per method. `candidate` is a LATERAL subquery over sends for bounce b returning
// (id, sent_at); bounces already joined by an earlier method are skipped by the IS NULL test.
// Recipient match: the bounce's recipient, or its Original-Recipient (forwarding), or - when
// the address was rewritten on the way (an alias, a forward without Original-Recipient) - the
// one recipient of a report about a message that was sent to one recipient only. Both sides
// must be single: a report listing bob and jane for a message sent only to bob says nothing
// about bob through jane's line, and must not turn bob's send into jane's hard bounce.
// {siblings} is the table holding the other recipients of the same report: `bounces`, or the
// staging table of a batch not inserted yet.
constexpr const char* kRecipientOrOnly =
    "(s.recipient = b.recipient OR (b.original_recipient <> '' AND s.recipient = "
    "b.original_recipient) OR (NOT EXISTS (SELECT 1 FROM {siblings} r WHERE r.fingerprint = "
    "b.fingerprint AND r.recipient <> b.recipient) AND NOT EXISTS (SELECT 1 FROM sends o WHERE "
    "o.{key} = s.{key} AND o.{key} <> '' AND o.id <> s.id)))";

constexpr const char* kMethods[] = {"verp", "message_id", "header", "recipient_window"};

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

std::string recipient_or_only(const std::string& key, const std::string& siblings) {
  return replace_all(replace_all(kRecipientOrOnly, "{key}", key), "{siblings}", siblings);
}

// `window` is the recipient_window's width in seconds: a parameter ($4) or a literal.
std::string candidate_sql(const std::string& method, const std::string& siblings,
                          const std::string& window) {
  if (method == "verp") {
    return "SELECT s.id, s.sent_at FROM sends s WHERE s.verp_token = b.verp_token "
           "AND b.verp_token <> '' AND s.verp_token <> '' ORDER BY (s.recipient = b.recipient) "
           "DESC, "
           "(s.sent_at <= b.received_at) DESC, s.sent_at DESC LIMIT 1";
  }
  if (method == "message_id") {
    return "SELECT s.id, s.sent_at FROM sends s WHERE s.message_id = b.original_message_id "
           "AND b.original_message_id <> '' AND s.message_id <> '' AND " +
           recipient_or_only("message_id", siblings) +
           " ORDER BY (s.recipient = b.recipient) DESC, s.sent_at DESC LIMIT 1";
  }
  if (method == "header") {
    return "SELECT s.id, s.sent_at FROM sends s WHERE s.send_id = b.send_header "
           "AND b.send_header <> '' AND " +
           recipient_or_only("send_id", siblings) +
           " ORDER BY (s.recipient = b.recipient) DESC, s.sent_at DESC LIMIT 1";
  }
  // lower() finds the address's sends by sends_recipient_key (migration 006); the match itself
  // stays exact.
  return "SELECT s.id, s.sent_at FROM sends s WHERE lower(s.recipient) = lower(b.recipient) "
         "AND s.recipient = b.recipient AND s.sent_at <= b.received_at AND s.sent_at >= "
         "b.received_at - make_interval(secs => " +
         window + ") ORDER BY s.sent_at DESC LIMIT 1";
}

// The bounces a method could join to one of the staged sends: those with its key.
std::string staged_key_filter(const std::string& method, const std::string& staged) {
  if (method == "verp") {
    return " AND b.verp_token IN (SELECT verp_token FROM " + staged + " WHERE verp_token <> '')";
  }
  if (method == "message_id") {
    return " AND b.original_message_id IN (SELECT message_id FROM " + staged +
           " WHERE message_id <> '')";
  }
  if (method == "header") {
    return " AND b.send_header IN (SELECT send_id FROM " + staged + " WHERE send_id <> '')";
  }
  // A merge may keep the row's own spelling of the address: compare without case.
  return " AND lower(b.recipient) IN (SELECT lower(recipient) FROM " + staged + ")";
}

}  // namespace

JoinCounts join_bounces(pqxx::work& tx, const JoinOptions& options, const JoinScope& scope,
                        std::set<long long>* joined_sends) {
  JoinCounts counts;
  const std::string scope_where =
      scope.fingerprints.empty()
          ? " AND b.received_at >= $2 AND b.received_at <= $3 AND $1::text[] IS NULL"
          : " AND b.fingerprint = ANY($1::text[]) AND b.received_at >= $2 AND b.received_at <= $3";
  const std::string fingerprints =
      scope.fingerprints.empty() ? std::string() : pg_text_array(scope.fingerprints);
  for (const char* method : kMethods) {
    // A join by recipient and time is a guess made with the sends known then; a send that
    // arrives later and matches by VERP, Message-ID or header replaces the guess.
    const bool weak = std::string(method) == "recipient_window";
    std::string where = (weak ? "b.send_row_id IS NULL"
                              : "(b.send_row_id IS NULL OR b.join_method = 'recipient_window')") +
                        scope_where;
    if (!scope.staged_sends.empty()) where += staged_key_filter(method, scope.staged_sends);
    const std::string sql =
        "WITH m AS (SELECT b.id AS bid, b.received_at AS brec, c.id AS sid, c.sent_at AS ssent "
        "FROM bounces b CROSS JOIN LATERAL (" +
        candidate_sql(method, "bounces", "$4") + ") c WHERE " + where +
        ") UPDATE bounces b SET send_row_id = m.sid, send_sent_at = m.ssent, join_method = '" +
        method + "', joined_at = now(), joined_late = " + (scope.late ? "true" : "false") +
        " FROM m WHERE b.id = m.bid AND b.received_at = m.brec RETURNING m.sid";
    const char* array_param = scope.fingerprints.empty() ? nullptr : fingerprints.c_str();
    pqxx::result result =
        std::string(method) == "recipient_window"
            ? tx.exec_params(sql, array_param, pg_time(scope.since), pg_time(scope.until),
                             static_cast<double>(options.window.count()))
            : tx.exec_params(sql, array_param, pg_time(scope.since), pg_time(scope.until));
    const size_t n = result.size();
    if (joined_sends) {
      for (const auto& row : result) joined_sends->insert(row[0].as<long long>());
    }
    if (std::string(method) == "verp")
      counts.verp = n;
    else if (std::string(method) == "message_id")
      counts.message_id = n;
    else if (std::string(method) == "header")
      counts.header = n;
    else
      counts.recipient_window = n;
  }
  return counts;
}

JoinCounts join_staged(pqxx::work& tx, const JoinOptions& options, const std::string& staged) {
  // One round trip: the four methods in order of trust, each on the rows still unjoined, then
  // the same-failure mark (as link_same_failures sets it), then the counts.
  std::string sql;
  for (const char* method : kMethods) {
    sql +=
        "WITH m AS (SELECT b.n, c.id, c.sent_at FROM " + staged + " b CROSS JOIN LATERAL (" +
        candidate_sql(method, staged, std::to_string(static_cast<double>(options.window.count()))) +
        ") c WHERE b.send_row_id IS NULL) UPDATE " + staged +
        " b SET send_row_id = m.id, send_sent_at = m.sent_at, join_method = '" + method +
        "' FROM m WHERE b.n = m.n;";
  }
  sql += "UPDATE " + staged +
         " b SET same_failure = true FROM sends s"
         " WHERE s.id = b.send_row_id AND s.sent_at = b.send_sent_at"
         " AND s.sync_category IN ('hard', 'soft', 'quota', 'unknown')"
         " AND b.category IN ('hard', 'soft', 'quota', 'unknown')"
         " AND b.join_method IN ('verp', 'message_id', 'header')"
         " AND (lower(b.recipient) = lower(s.recipient)"
         "  OR lower(b.original_recipient) = lower(s.recipient));";
  sql += "SELECT join_method, count(*) FROM " + staged +
         " WHERE join_method IS NOT NULL GROUP BY join_method";
  JoinCounts counts;
  for (const auto& row : tx.exec(sql)) {
    const std::string method = row[0].c_str();
    const size_t n = row[1].as<size_t>();
    if (method == "verp")
      counts.verp = n;
    else if (method == "message_id")
      counts.message_id = n;
    else if (method == "header")
      counts.header = n;
    else
      counts.recipient_window = n;
  }
  return counts;
}

void link_same_failures(pqxx::work& tx, const std::set<long long>& send_ids) {
  if (send_ids.empty()) return;
  std::string ids = "{";
  for (long long id : send_ids) {
    if (ids.size() > 1) ids.push_back(',');
    ids += std::to_string(id);
  }
  ids.push_back('}');
  // A send refused at send time was never accepted by the remote side, so a failure report
  // that is surely about that message and recipient (joined by VERP, Message-ID or send-id
  // header, not merely by recipient and time) can only be the one our own MTA wrote for the
  // refusal: the same failure.
  tx.exec_params(
      "UPDATE bounces b SET same_failure = x.same FROM (SELECT b.id, b.received_at,"
      " s.sync_category IN ('hard', 'soft', 'quota', 'unknown')"
      "  AND b.category IN ('hard', 'soft', 'quota', 'unknown')"
      "  AND b.join_method IN ('verp', 'message_id', 'header')"
      "  AND (lower(b.recipient) = lower(s.recipient)"
      "   OR lower(b.original_recipient) = lower(s.recipient)) AS same"
      " FROM bounces b JOIN sends s ON s.id = b.send_row_id AND s.sent_at = b.send_sent_at"
      " WHERE b.send_row_id = ANY($1::bigint[])) x"
      " WHERE b.id = x.id AND b.received_at = x.received_at AND b.same_failure <> x.same",
      ids);
}

}  // namespace detail

Result<JoinCounts> SendJoiner::join_late(Database& database, Time since) const {
  JoinCounts counts;
  Status status = detail::in_transaction(database, [&](pqxx::work& tx) {
    detail::lock_outcomes(tx);
    detail::JoinScope scope;
    scope.since = since;
    scope.until = Time(std::chrono::seconds(253402300799));  // 9999-12-31
    scope.late = true;
    std::set<long long> joined;
    counts = detail::join_bounces(tx, options_, scope, &joined);
    detail::link_same_failures(tx, joined);
  });
  if (!ok(status)) return std::get<StoreError>(status);
  return counts;
}

}  // namespace bounced::store
