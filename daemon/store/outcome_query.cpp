#include "outcome_query.hpp"

#include "pq.hpp"

namespace bounced::store {

namespace {

// Empty filter values match everything; all values are parameters.
constexpr const char* kWhere =
    " WHERE ($1 = '' OR sent_at >= $1::timestamptz) AND ($2 = '' OR campaign = $2)"
    " AND ($3 = '' OR final_state = $3)";

}  // namespace

Result<std::vector<Outcome>> query_outcomes(Database& database, const OutcomeFilter& filter) {
  std::vector<Outcome> out;
  Status status = detail::in_transaction(database, [&](pqxx::work& tx) {
    auto rows = tx.exec_params(
        std::string("SELECT send_id, recipient, campaign, to_char(sent_at, 'YYYY-MM-DD HH24:MI'),"
                    " sync_reply_code, final_state,"
                    " CASE WHEN final_state LIKE 'sync_%' THEN sync_reason ELSE "
                    "COALESCE(async_reason, '') END,"
                    " COALESCE(join_method, ''), COALESCE(justify_interval(date_trunc('minute', "
                    "async_delay))::text, '')"
                    " FROM delivery_outcomes") +
            kWhere + " ORDER BY sent_at, send_id, recipient LIMIT $4",
        filter.since, filter.campaign, filter.state, static_cast<long>(filter.limit));
    for (const auto& row : rows) {
      out.push_back({row[0].c_str(), row[1].c_str(), row[2].c_str(), row[3].c_str(), row[4].c_str(),
                     row[5].c_str(), row[6].c_str(), row[7].c_str(), row[8].c_str()});
    }
  });
  if (!ok(status)) return std::get<StoreError>(status);
  return out;
}

Result<std::vector<std::pair<std::string, long>>> outcome_totals(Database& database,
                                                                 const OutcomeFilter& filter) {
  std::vector<std::pair<std::string, long>> out;
  Status status = detail::in_transaction(database, [&](pqxx::work& tx) {
    auto rows = tx.exec_params(std::string("SELECT final_state, count(*) FROM delivery_outcomes") +
                                   kWhere + " GROUP BY 1 ORDER BY 2 DESC, 1",
                               filter.since, filter.campaign, filter.state);
    for (const auto& row : rows) out.emplace_back(row[0].c_str(), row[1].as<long>());
  });
  if (!ok(status)) return std::get<StoreError>(status);
  return out;
}

}  // namespace bounced::store
