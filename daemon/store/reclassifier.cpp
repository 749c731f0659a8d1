#include "reclassifier.hpp"

#include <map>

#include "address.hpp"
#include "bounce_store.hpp"
#include "codec.hpp"
#include "pq.hpp"
#include "store_tx.hpp"

namespace bounced::store {

Result<ReclassifySummary> Reclassifier::run(Time since, const ClassifyRaw& classify, size_t batch) {
  ReclassifySummary summary;
  // Keyset pagination: each batch is its own transaction and the next starts after the last.
  std::string after_time = detail::pg_time(since), after_fingerprint;
  bool more = true;
  while (more) {
    Status status = detail::in_transaction(database_, [&](pqxx::work& tx) {
      // First: this batch updates verdicts that joins and suppressions of other processes read.
      detail::lock_outcomes(tx);
      auto messages = tx.exec_params(
          "SELECT fingerprint, raw_gz, received_at FROM bounce_messages"
          " WHERE raw_gz IS NOT NULL AND (received_at, fingerprint) > ($1::timestamptz, $2)"
          " ORDER BY received_at, fingerprint LIMIT $3",
          after_time, after_fingerprint, static_cast<long>(batch));
      more = messages.size() == batch;
      std::vector<detail::VerdictEvent> events;
      std::set<long long> relink;  // sends whose joined reports changed category
      for (const auto& message : messages) {
        const std::string fingerprint = message[0].c_str();
        after_time = message[2].c_str();
        after_fingerprint = fingerprint;
        ++summary.messages;
        const pqxx::binarystring compressed(message[1]);
        auto raw = decompress(
            std::string_view(reinterpret_cast<const char*>(compressed.data()), compressed.size()));
        if (!raw) continue;
        std::map<std::string, RecipientVerdict> verdicts;
        for (auto& verdict : classify(*raw)) {
          const std::string address = normalize_address(verdict.address);
          if (!address.empty()) verdicts.emplace(address, std::move(verdict));
        }
        auto rows = tx.exec_params(
            "SELECT id, received_at, recipient, recipient_domain, category, reason, rule,"
            " action, send_row_id FROM bounces WHERE fingerprint = $1 AND received_at = $2",
            fingerprint, message[2].c_str());
        for (const auto& row : rows) {
          auto found = verdicts.find(row[2].c_str());
          if (found == verdicts.end()) continue;
          RecipientVerdict now = found->second;
          now.category = stored_category(row[7].c_str(), now.category);
          if (now.category == row[4].c_str() && now.reason == row[5].c_str() &&
              now.rule == row[6].c_str()) {
            continue;
          }
          if (!row[8].is_null()) relink.insert(row[8].as<long long>());
          ++summary.changed;
          const long long id = row[0].as<long long>();
          tx.exec_params(
              "UPDATE bounces SET category = $3, reason = $4, rule = $5, reclassified_at = now()"
              " WHERE id = $1 AND received_at = $2",
              id, row[1].c_str(), now.category, now.reason, now.rule);
          tx.exec_params(
              "INSERT INTO reclassifications (bounce_id, old_category, old_reason, old_rule,"
              " new_category, new_reason, new_rule) VALUES ($1, $2, $3, $4, $5, $6, $7)",
              id, row[4].c_str(), row[5].c_str(), row[6].c_str(), now.category, now.reason,
              now.rule);
          tx.exec_params(
              "INSERT INTO outbox (event, payload) VALUES ('reclassified', jsonb_build_object("
              "'bounce_id', $1::bigint, 'recipient', $2::text, 'old_category', $3::text,"
              " 'new_category', $4::text, 'new_reason', $5::text))",
              id, row[2].c_str(), row[4].c_str(), now.category, now.reason);
          // A suppression this bounce caused is lifted when the new verdict would not make it.
          const CategoryRule& rule = policy_.rule_for(now.category, row[3].c_str());
          const bool may_suppress = policy_.may_act(now.category, now.reason, row[3].c_str());
          if (!may_suppress || rule.mode == CategoryRule::Mode::threshold) {
            auto lifted = tx.exec_params(
                "UPDATE suppressions SET state = 'lifted', updated_at = now(), note = $2"
                " WHERE bounce_id = $1 AND state = 'active' RETURNING address",
                id, "reclassified as " + now.category + "/" + now.reason);
            for (const auto& l : lifted) {
              ++summary.lifted;
              tx.exec_params(
                  "INSERT INTO suppression_events (address, action, category, reason, bounce_id,"
                  " note) VALUES ($1, 'lift', $2, $3, $4, 'reclassified')",
                  l[0].c_str(), now.category, now.reason, id);
              tx.exec_params(
                  "INSERT INTO outbox (event, payload) VALUES ('unsuppressed', jsonb_build_object("
                  "'address', $1::text, 'note', 'reclassified'))",
                  l[0].c_str());
            }
          }
          if (may_suppress) {
            events.push_back({row[2].c_str(), row[3].c_str(), now.category, now.reason, id,
                              detail::parse_pg_time(row[1].c_str())});
          }
        }
      }
      // A changed category may make a report the same failure as its send's refusal, or no
      // longer; such a report decides nothing of its own (the refusal did).
      detail::link_same_failures(tx, relink);
      if (!relink.empty() && !events.empty()) {
        std::vector<std::string> ids;
        for (const auto& event : events) ids.push_back(std::to_string(event.bounce_id));
        std::set<long long> same;
        for (const auto& row :
             tx.exec_params("SELECT id FROM bounces WHERE id = ANY($1::bigint[]) AND same_failure",
                            detail::pg_text_array(ids))) {
          same.insert(row[0].as<long long>());
        }
        std::erase_if(events, [&](const auto& event) { return same.contains(event.bounce_id); });
      }
      summary.suppressed += detail::apply_suppressions(tx, policy_, events);
    });
    if (!ok(status)) return std::get<StoreError>(status);
  }
  return summary;
}

}  // namespace bounced::store
