#include "bounce_record.hpp"

#include <strings.h>

#include "address.hpp"

namespace bounced::daemon {

store::BounceRecord to_bounce_record(const ClassifiedMessage& message, std::string raw,
                                     store::Time received_at, const RecordOptions& options) {
  const auto& report = message.report;
  store::BounceRecord record;
  record.source = message.source;
  record.raw = std::move(raw);
  record.received_at = received_at;
  record.report_date = report.date;
  record.kind = std::string(classifiers::to_string(report.kind));
  record.format = report.format;
  record.report_message_id = report.message_id;
  record.original_message_id = report.original.message_id;
  record.envelope_recipient = report.envelope_recipient;
  record.verp_token =
      store::verp_token(report.envelope_recipient, options.verp_prefix, options.verp_separator);
  for (const auto& [name, value] : report.original.headers) {
    if (strcasecmp(name.c_str(), options.join_header.c_str()) == 0) record.send_header = value;
  }
  for (const auto& [status, verdict] : message.recipients) {
    record.recipients.push_back({status.address, status.original_recipient, status.action,
                                 status.status, status.reply_code, status.diagnostic,
                                 status.remote_mta, std::string(rules::to_string(verdict.category)),
                                 verdict.reason, verdict.rule});
  }
  return record;
}

}  // namespace bounced::daemon
