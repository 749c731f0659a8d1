#include "bounce_query.hpp"

#include "address.hpp"
#include "pq.hpp"

namespace bounced::store {

namespace {

constexpr const char* kFrom =
    " FROM bounces b JOIN bounce_messages m ON m.fingerprint = b.fingerprint"
    " LEFT JOIN sends s ON s.id = b.send_row_id AND s.sent_at = b.send_sent_at"
    " WHERE ($1 = '' OR b.received_at >= $1::timestamptz) AND ($2 = '' OR b.category = $2)"
    " AND ($3 = '' OR lower(b.recipient) = lower($3))";

}  // namespace

Result<BouncePage> query_bounces(Database& database, const BounceFilter& filter) {
  BouncePage page;
  const std::string since = filter.since ? detail::pg_time(*filter.since) : std::string();
  const std::string recipient =
      filter.recipient.empty() ? std::string() : normalize_address(filter.recipient);
  if (!filter.recipient.empty() && recipient.empty()) {
    return StoreError{StoreError::Kind::input, "not an address: " + filter.recipient};
  }
  Status status = detail::in_transaction(database, [&](pqxx::work& tx) {
    page.matching = tx.exec_params(std::string("SELECT count(*)") + kFrom, since, filter.category,
                                   recipient)[0][0]
                        .as<long long>();
    auto rows = tx.exec_params(
        std::string("SELECT b.id, b.received_at, b.recipient, b.kind, b.category, b.reason,"
                    " b.rule, b.action, b.status, b.reply_code, b.remote_mta, b.diagnostic,"
                    " b.original_message_id, b.verp_token, b.fingerprint, m.report_date,"
                    " COALESCE(b.send_row_id, 0), COALESCE(s.send_id, ''),"
                    " COALESCE(s.campaign, ''), COALESCE(b.join_method, ''), b.same_failure") +
            kFrom + " ORDER BY b.received_at, b.id LIMIT $4",
        since, filter.category, recipient, static_cast<long>(filter.limit));
    for (const auto& row : rows) {
      StoredBounce b;
      b.id = row[0].as<long long>();
      b.received_at = detail::parse_pg_time(row[1].c_str());
      b.recipient = row[2].c_str();
      b.kind = row[3].c_str();
      b.category = row[4].c_str();
      b.reason = row[5].c_str();
      b.rule = row[6].c_str();
      b.action = row[7].c_str();
      b.status = row[8].c_str();
      b.reply_code = row[9].c_str();
      b.remote_mta = row[10].c_str();
      b.diagnostic = row[11].c_str();
      b.original_message_id = row[12].c_str();
      b.verp_token = row[13].c_str();
      b.fingerprint = row[14].c_str();
      b.report_date = row[15].c_str();
      b.send_row_id = row[16].as<long long>();
      b.send_id = row[17].c_str();
      b.campaign = row[18].c_str();
      b.join_method = row[19].c_str();
      b.same_failure = row[20].as<bool>();
      page.rows.push_back(std::move(b));
    }
  });
  if (!ok(status)) return std::get<StoreError>(status);
  return page;
}

}  // namespace bounced::store
