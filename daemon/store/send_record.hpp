// One recipient of one sent message with its synchronous outcome, as imported from a send log
// (CSV/JSONL) or read from the MTA's log.
#pragma once

#include <string>

#include "time_text.hpp"

namespace bounced::rules {
class Classifier;
}

namespace bounced::store {

struct SendRecord {
  std::string send_id;
  std::string message_id;  // angle brackets stripped
  std::string verp_token;
  std::string recipient;  // normalised (normalize_address)
  std::string campaign;
  std::string list_id;
  std::string customer;
  std::string attrs = "{}";  // JSON object of the other columns
  Time sent_at{};
  std::string reply_code;
  std::string enhanced_status;
  std::string reply_text;
  std::string sync_category;  // accepted | pending | hard | soft | quota | unknown
  std::string sync_reason;
  std::string sync_rule;
};

// Decides sync_category/reason/rule from the reply with the same rule engine as bounces:
// 2xx is accepted; anything else goes to the classifier (a 4xx is never hard: the engine
// downgrades it). `deferred` marks a 4xx the MTA will retry (Postfix status=deferred).
void classify_sync_outcome(SendRecord& record, const rules::Classifier& classifier);

// "<id@host>" -> "id@host"
std::string strip_angle_brackets(std::string_view message_id);

}  // namespace bounced::store
