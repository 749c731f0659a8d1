// Reading stored bounces back for `bounced bounces`: one row per recipient of each stored
// report, with its verdict, the send it was joined to, and whether it is the same failure as
// that send's refusal (and so not counted again).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "database.hpp"
#include "time_text.hpp"

namespace bounced::store {

struct StoredBounce {
  long long id = 0;
  Time received_at{};  // when bounced received the mail
  std::string recipient;
  std::string kind;
  std::string category;
  std::string reason;
  std::string rule;
  std::string action;
  std::string status;
  std::string reply_code;
  std::string remote_mta;
  std::string diagnostic;
  std::string original_message_id;
  std::string verp_token;
  std::string fingerprint;
  std::string report_date;    // the report's Date header as written
  long long send_row_id = 0;  // 0: not joined
  std::string send_id;
  std::string campaign;
  std::string join_method;
  bool same_failure = false;
};

struct BounceFilter {
  std::optional<Time> since;  // received at or after
  std::string category;       // "" = all
  std::string recipient;      // "" = all; compared without regard to case
  size_t limit = 1000;
};

struct BouncePage {
  std::vector<StoredBounce> rows;  // at most filter.limit, oldest first
  long long matching = 0;
};

Result<BouncePage> query_bounces(Database& database, const BounceFilter& filter);

}  // namespace bounced::store
