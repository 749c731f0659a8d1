#include "outcome_query.hpp"

#include "pq.hpp"

namespace bounced::store {

namespace {

// Empty filter values match everything; all values are parameters.
constexpr const char* kWhere =
    " WHERE ($1 = '' OR sent_at >= $1::timestamptz) AND ($2 = '' OR campaign = $2)"
    " AND ($3 = '' OR final_state = $3)";

std::optional<Time> optional_time(const pqxx::field& field) {
  if (field.is_null()) return std::nullopt;
  return detail::parse_pg_time(field.c_str());
}

}  // namespace

std::string Outcome::reason() const {
  return final_state.starts_with("sync_") || async_reason.empty() ? sync_reason : async_reason;
}

const std::vector<std::string>& final_states() {
  static const std::vector<std::string> states = {
      "accepted",    "pending",       "deferred",     "delayed",    "sync_hard",
      "sync_soft",   "sync_quota",    "sync_unknown", "async_hard", "async_soft",
      "async_quota", "async_unknown", "auto_reply",   "complaint",  "feedback"};
  return states;
}

Result<OutcomePage> query_outcomes(Database& database, const OutcomeFilter& filter) {
  OutcomePage page;
  const std::string since = filter.since ? detail::pg_time(*filter.since) : std::string();
  Status status = detail::in_transaction(database, [&](pqxx::work& tx) {
    page.matching = tx.exec_params(std::string("SELECT count(*) FROM delivery_outcomes") + kWhere,
                                   since, filter.campaign, filter.state)[0][0]
                        .as<long long>();
    auto rows = tx.exec_params(
        std::string(
            "SELECT send_row_id, send_id, queue_id, message_id, recipient, campaign, list_id,"
            " customer, sent_at, sync_reply_code, sync_status, sync_category, sync_reason,"
            " outcome_at, array_to_string(sources, ','), final_state, COALESCE(bounce_id, 0),"
            " received_at, COALESCE(async_category, ''), COALESCE(async_reason, ''),"
            " COALESCE(async_rule, ''), COALESCE(join_method, ''),"
            " floor(extract(epoch FROM async_delay))::bigint FROM delivery_outcomes") +
            kWhere + " ORDER BY sent_at, send_id, recipient LIMIT $4",
        since, filter.campaign, filter.state, static_cast<long>(filter.limit));
    for (const auto& row : rows) {
      Outcome o;
      o.send_row_id = row[0].as<long long>();
      o.send_id = row[1].c_str();
      o.queue_id = row[2].c_str();
      o.message_id = row[3].c_str();
      o.recipient = row[4].c_str();
      o.campaign = row[5].c_str();
      o.list_id = row[6].c_str();
      o.customer = row[7].c_str();
      o.sent_at = detail::parse_pg_time(row[8].c_str());
      o.sync_reply_code = row[9].c_str();
      o.sync_status = row[10].c_str();
      o.sync_category = row[11].c_str();
      o.sync_reason = row[12].c_str();
      o.outcome_at = optional_time(row[13]);
      o.sources = row[14].c_str();
      o.final_state = row[15].c_str();
      o.bounce_id = row[16].as<long long>();
      o.bounce_received_at = optional_time(row[17]);
      o.async_category = row[18].c_str();
      o.async_reason = row[19].c_str();
      o.async_rule = row[20].c_str();
      o.join_method = row[21].c_str();
      if (!row[22].is_null()) o.async_delay_seconds = row[22].as<long long>();
      page.rows.push_back(std::move(o));
    }
  });
  if (!ok(status)) return std::get<StoreError>(status);
  return page;
}

}  // namespace bounced::store
