// One recipient of one sent message with its synchronous outcome, as imported from a send log
// (CSV/JSONL) or read from the MTA's log. Whoever reports a send, it is one row: the store
// merges records by send id, queue id, or Message-ID + recipient.
#pragma once

#include <optional>
#include <string>

#include "time_text.hpp"

namespace bounced::rules {
class Classifier;
}

namespace bounced::store {

// Who reported a send. The MTA's log knows the outcome best; the send log (and the API) know the
// sender's ids, campaign and customer.
enum class SendSource { import, maillog, api };
const char* to_string(SendSource source);

struct SendRecord {
  std::string send_id;
  std::string message_id;  // angle brackets stripped
  std::string verp_token;
  std::string queue_id;   // the MTA's queue id, when known
  std::string recipient;  // normalised (normalize_address)
  std::string campaign;
  std::string list_id;
  std::string customer;
  std::string attrs = "{}";  // JSON object of the other columns
  Time sent_at{};
  // When the reply was given (the MTA's log line); none = sent_at.
  std::optional<Time> outcome_at;
  std::string reply_code;
  std::string enhanced_status;
  std::string reply_text;
  // accepted | pending | deferred | hard | soft | quota | unknown. deferred: the MTA got a 4xx
  // and is retrying - not a failure (yet), so not counted by the suppression policy.
  std::string sync_category;
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
