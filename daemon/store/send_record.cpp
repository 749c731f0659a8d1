#include "send_record.hpp"

#include "address.hpp"
#include "classifier.hpp"
#include "smtp_reply.hpp"

namespace bounced::store {

const char* to_string(SendSource source) {
  switch (source) {
    case SendSource::import:
      return "import";
    case SendSource::maillog:
      return "maillog";
    case SendSource::api:
      return "api";
  }
  return "import";
}

void classify_sync_outcome(SendRecord& record, const rules::Classifier& classifier) {
  const bool accepted = (!record.reply_code.empty() && record.reply_code[0] == '2') ||
                        (record.reply_code.empty() && record.enhanced_status.starts_with("2."));
  if (accepted) {
    record.sync_category = "accepted";
    record.sync_reason = "accepted";
    record.sync_rule =
        "reply:" + (record.reply_code.empty() ? record.enhanced_status : record.reply_code);
    return;
  }
  if (record.reply_code.empty() && record.enhanced_status.empty() && record.reply_text.empty()) {
    record.sync_category = "pending";  // handed over with no reply recorded
    record.sync_reason = "";
    record.sync_rule = "";
    return;
  }
  // A log that only kept the reply text still carries the codes inside it.
  if (record.enhanced_status.empty())
    record.enhanced_status = rules::find_status_code(record.reply_text);
  rules::ClassifyInput input;
  const std::string_view domain = address_domain_of(record.recipient);
  input.recipient_domain = domain;
  input.status = record.enhanced_status;
  input.reply_code = record.reply_code;
  input.diagnostic = record.reply_text;
  const rules::Verdict verdict = classifier.classify(input);
  record.sync_category = std::string(rules::to_string(verdict.category));
  record.sync_reason = verdict.reason;
  record.sync_rule = verdict.rule;
}

std::string strip_angle_brackets(std::string_view message_id) {
  while (!message_id.empty() && (message_id.front() == '<' || message_id.front() == ' ')) {
    message_id.remove_prefix(1);
  }
  while (!message_id.empty() && (message_id.back() == '>' || message_id.back() == ' ')) {
    message_id.remove_suffix(1);
  }
  return std::string(message_id);
}

}  // namespace bounced::store
