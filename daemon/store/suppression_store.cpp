#include "suppression_store.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "address.hpp"
#include "csv_field.hpp"
#include "pq.hpp"
#include "store_tx.hpp"

namespace bounced::store {

namespace {

constexpr const char* kColumns =
    "address, domain, state, category, reason, COALESCE(bounce_id, 0), first_at, updated_at,"
    " expires_at, note, state = 'active' AND (expires_at IS NULL OR expires_at > now()),"
    " CASE WHEN state = 'removed' THEN removed_at END";

// The key of an address in the list.
std::string list_key(const std::string& address) {
  return lower_ascii(normalize_address(address));
}

Suppression from_row(const pqxx::row& row) {
  Suppression s;
  s.address = row[0].c_str();
  s.domain = row[1].c_str();
  s.state = row[2].c_str();
  s.category = row[3].c_str();
  s.reason = row[4].c_str();
  s.bounce_id = row[5].as<long long>();
  s.first_at = detail::parse_pg_time(row[6].c_str());
  s.updated_at = detail::parse_pg_time(row[7].c_str());
  if (!row[8].is_null()) s.expires_at = detail::parse_pg_time(row[8].c_str());
  s.note = row[9].c_str();
  s.active = row[10].as<bool>();
  if (!row[11].is_null()) s.removed_at = detail::parse_pg_time(row[11].c_str());
  return s;
}

// RFC 3463 codes for the access map: permanent for what is permanent, 4.x.x so the sending MTA
// keeps a soft-suppressed message queued instead of bouncing it.
std::string access_action(const Suppression& s) {
  if (s.category == "soft" || s.category == "quota") {
    return "DEFER 4.7.1 recipient temporarily suppressed by bounced (" + s.reason + ")";
  }
  if (s.category == "complaint") return "REJECT 5.7.1 recipient suppressed by bounced (complaint)";
  return "REJECT 5.1.1 recipient suppressed by bounced (" + s.reason + ")";
}

}  // namespace

Result<std::vector<Suppression>> SuppressionStore::list(bool include_inactive) {
  std::vector<Suppression> out;
  Status status = detail::in_transaction(database_, [&](pqxx::work& tx) {
    const std::string where = include_inactive
                                  ? ""
                                  : " WHERE state = 'active' AND (expires_at IS NULL OR "
                                    "expires_at > now())";
    for (const auto& row : tx.exec(std::string("SELECT ") + kColumns + " FROM suppressions" +
                                   where + " ORDER BY address")) {
      out.push_back(from_row(row));
    }
  });
  if (!ok(status)) return std::get<StoreError>(status);
  return out;
}

Result<std::optional<Suppression>> SuppressionStore::check(const std::string& address) {
  std::optional<Suppression> out;
  const std::string normalized = list_key(address);
  if (normalized.empty()) return StoreError{StoreError::Kind::input, "not an address: " + address};
  Status status = detail::in_transaction(database_, [&](pqxx::work& tx) {
    auto result = tx.exec_params(
        std::string("SELECT ") + kColumns + " FROM suppressions WHERE address = $1", normalized);
    if (!result.empty()) out = from_row(result[0]);
  });
  if (!ok(status)) return std::get<StoreError>(status);
  return out;
}

Result<bool> SuppressionStore::remove(const std::string& address, const std::string& note) {
  bool removed = false;
  const std::string normalized = list_key(address);
  if (normalized.empty()) return StoreError{StoreError::Kind::input, "not an address: " + address};
  Status status = detail::in_transaction(database_, [&](pqxx::work& tx) {
    // A batch deciding about this address at the same time either commits before the removal
    // (which then removes what it made) or sees the removal.
    detail::lock_outcomes(tx);
    auto result = tx.exec_params(
        "UPDATE suppressions SET state = 'removed', removed_at = now(), updated_at = now(),"
        " note = $2 WHERE address = $1 AND state = 'active' RETURNING category",
        normalized, note);
    removed = !result.empty();
    if (!removed) return;
    tx.exec_params(
        "INSERT INTO suppression_events (address, action, category, note) VALUES ($1, 'remove', "
        "$2, $3)",
        normalized, result[0][0].c_str(), note);
    tx.exec_params(
        "INSERT INTO outbox (event, payload) VALUES ('unsuppressed', jsonb_build_object("
        "'address', $1::text, 'note', $2::text))",
        normalized, note);
  });
  if (!ok(status)) return std::get<StoreError>(status);
  return removed;
}

Result<std::vector<SuppressionChange>> SuppressionStore::history(const std::string& address) {
  std::vector<SuppressionChange> out;
  const std::string key = list_key(address);
  if (key.empty()) return StoreError{StoreError::Kind::input, "not an address: " + address};
  Status status = detail::in_transaction(database_, [&](pqxx::work& tx) {
    for (const auto& row :
         tx.exec_params("SELECT at, action, category, reason, COALESCE(bounce_id, 0), note"
                        " FROM suppression_events WHERE address = $1 ORDER BY at, id",
                        key)) {
      out.push_back({detail::parse_pg_time(row[0].c_str()), row[1].c_str(), row[2].c_str(),
                     row[3].c_str(), row[4].as<long long>(), row[5].c_str()});
    }
  });
  if (!ok(status)) return std::get<StoreError>(status);
  return out;
}

Status SuppressionStore::export_to(std::ostream& out, ExportFormat format) {
  auto listed = list(false);
  if (auto* error = std::get_if<StoreError>(&listed)) return *error;
  const auto& rows = std::get<std::vector<Suppression>>(listed);
  switch (format) {
    case ExportFormat::csv:
      out << "address,domain,category,reason,suppressed_at,expires_at\n";
      for (const auto& s : rows) {
        out << csv_field(s.address) << ',' << csv_field(s.domain) << ',' << s.category << ','
            << csv_field(s.reason) << ',' << format_iso_time(s.updated_at) << ','
            << (s.expires_at ? format_iso_time(*s.expires_at) : "") << '\n';
      }
      break;
    case ExportFormat::json: {
      nlohmann::json array = nlohmann::json::array();
      for (const auto& s : rows) {
        array.push_back(
            {{"address", s.address},
             {"domain", s.domain},
             {"category", s.category},
             {"reason", s.reason},
             {"suppressed_at", format_iso_time(s.updated_at)},
             {"expires_at", s.expires_at ? nlohmann::json(format_iso_time(*s.expires_at))
                                         : nlohmann::json(nullptr)}});
      }
      out << array.dump(2) << '\n';
      break;
    }
    case ExportFormat::postfix:
      out << "# bounced suppression list: check_recipient_access map. Rebuild with postmap.\n";
      for (const auto& s : rows) {
        // A key with whitespace or a quote cannot be a map key; such local parts are skipped.
        if (s.address.find_first_of(" \t\"") != std::string::npos) continue;
        out << s.address << ' ' << access_action(s) << '\n';
      }
      break;
  }
  return Done{};
}

}  // namespace bounced::store
