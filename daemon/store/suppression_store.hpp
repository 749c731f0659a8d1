// The suppression list: what the policy decided (written by BounceStore in the batch's
// transaction), read back for `bounced suppressions`, removed by hand, and exported for MTAs.
// Addresses are kept and compared in lower case: Postfix folds access-map keys to lower case,
// so `check` answers exactly as the exported map does.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "database.hpp"
#include "time_text.hpp"

namespace bounced::store {

struct Suppression {
  std::string address;
  std::string domain;
  std::string state;  // active | removed | lifted  (an active one past expires_at is expired)
  std::string category;
  std::string reason;
  long long bounce_id = 0;
  Time first_at{};
  Time updated_at{};
  std::optional<Time> expires_at;
  std::optional<Time> removed_at;  // state removed: when
  std::string note;
  bool active = false;  // state active and not expired, now
};

// One change of an address's suppression, as `suppressions history` lists it.
struct SuppressionChange {
  Time at{};
  std::string action;  // suppress | remove | lift
  std::string category;
  std::string reason;
  long long bounce_id = 0;
  std::string note;
};

enum class ExportFormat { csv, json, postfix };

class SuppressionStore {
 public:
  explicit SuppressionStore(Database& database) : database_(database) {}

  // Active suppressions (all states when include_inactive), ordered by address.
  Result<std::vector<Suppression>> list(bool include_inactive = false);
  // The row for one address (normalised first), or nullopt.
  Result<std::optional<Suppression>> check(const std::string& address);
  // Manual removal; holds until a hard bounce or complaint received after it. False if nothing
  // was active.
  Result<bool> remove(const std::string& address, const std::string& note);
  // Every change of one address, oldest first (empty when there never was one).
  Result<std::vector<SuppressionChange>> history(const std::string& address);

  // Writes the active list. postfix: a check_recipient_access map,
  // "address REJECT 5.1.1 ..." (hard/complaint) or "address DEFER 4.x.x ..." (soft/quota).
  Status export_to(std::ostream& out, ExportFormat format);

 private:
  Database& database_;
};

}  // namespace bounced::store
