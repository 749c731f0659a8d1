#include "pipeline.hpp"

#include "text_util.hpp"

namespace bounced::daemon {

using classifiers::ReportKind;
using rules::Category;

namespace {

// RFC 5965 section 7.3 feedback types to our complaint reasons.
std::string complaint_reason(std::string_view feedback_type) {
  if (feedback_type == "fraud") return "fraud";
  if (feedback_type == "virus") return "virus_report";
  if (feedback_type == "auth-failure") return "auth_failure_report";
  if (feedback_type == "not-spam") return "not_spam";
  if (feedback_type == "opt-out" || feedback_type == "unsubscribe") return "unsubscribe";
  if (feedback_type == "abuse" || feedback_type.empty()) return "abuse";
  return "other_feedback";
}

rules::Verdict fixed(Category category, std::string reason, std::string rule) {
  rules::Verdict verdict;
  verdict.category = category;
  verdict.reason = std::move(reason);
  verdict.rule = std::move(rule);
  return verdict;
}

}  // namespace

rules::ClassifyInput classify_input(const classifiers::BounceReport& report,
                                    const classifiers::RecipientStatus& recipient,
                                    std::string& domain_storage) {
  domain_storage = classifiers::address_domain(recipient.address);
  rules::ClassifyInput input;
  input.recipient_domain = domain_storage;
  input.status = recipient.status;
  input.reply_code = recipient.reply_code;
  input.diagnostic = recipient.diagnostic;
  input.command = recipient.smtp_command;
  input.action = recipient.action;
  if (!recipient.remote_mta.empty()) input.hosts.push_back(recipient.remote_mta);
  if (!report.reporting_mta.empty()) input.hosts.push_back(report.reporting_mta);
  return input;
}

rules::Verdict verdict_for(const classifiers::BounceReport& report,
                           const classifiers::RecipientStatus& recipient,
                           const rules::Classifier& classifier) {
  switch (report.kind) {
    case ReportKind::auto_reply:
      return fixed(Category::auto_reply, report.subtype.empty() ? "vacation" : report.subtype,
                   "kind:auto_reply");
    case ReportKind::arf:
      return fixed(Category::complaint, complaint_reason(recipient.feedback_type), "kind:arf");
    default:
      break;
  }
  if (recipient.action == "delivered" || recipient.action == "relayed" ||
      recipient.action == "expanded") {
    return fixed(Category::delivered, "delivered", "action:" + recipient.action);
  }
  std::string domain;
  // The classifier reads the DSN Action too: "delayed" is never hard, "failed" under 4.x.x expired.
  return classifier.classify(classify_input(report, recipient, domain));
}

Pipeline::Pipeline(std::shared_ptr<const classifiers::BounceParser> parser,
                   std::shared_ptr<const rules::Classifier> classifier)
    : parser_(std::move(parser)), classifier_(std::move(classifier)) {}

ClassifiedMessage Pipeline::run(std::string source, std::string_view bytes) const {
  ClassifiedMessage message;
  message.source = std::move(source);
  auto parsed = parser_->parse(bytes);
  if (auto* error = std::get_if<classifiers::ParseError>(&parsed)) {
    message.report.kind = ReportKind::error;
    message.error = error->reason;
    return message;
  }
  message.report = std::get<classifiers::BounceReport>(std::move(parsed));
  message.recipients.reserve(message.report.recipients.size());
  for (const auto& recipient : message.report.recipients) {
    message.recipients.push_back({recipient, verdict_for(message.report, recipient, *classifier_)});
  }
  return message;
}

}  // namespace bounced::daemon
