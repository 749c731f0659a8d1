#include "report_json.hpp"

#include <filesystem>
#include <optional>

namespace bounced::daemon {

nlohmann::json to_json(const ClassifiedMessage& message) {
  using nlohmann::json;
  const auto& report = message.report;
  json recipients = json::array();
  for (const auto& [status, verdict] : message.recipients) {
    recipients.push_back({{"address", status.address},
                          {"action", status.action},
                          {"status", status.status},
                          {"reply_code", status.reply_code},
                          {"diagnostic", status.diagnostic},
                          {"remote_mta", status.remote_mta},
                          {"command", status.smtp_command},
                          {"category", rules::to_string(verdict.category)},
                          {"reason", verdict.reason},
                          {"rule", verdict.rule}});
    if (!status.original_recipient.empty()) {
      recipients.back()["original_recipient"] = status.original_recipient;
    }
    if (!status.feedback_type.empty()) recipients.back()["feedback_type"] = status.feedback_type;
  }
  json headers = json::object();
  for (const auto& [name, value] : report.original.headers) headers[name] = value;
  // "box.mbox#3" is the third message of an mbox: the file stays the file, the index is apart.
  std::string file = std::filesystem::path(message.source).filename().string();
  std::optional<long> mbox_index;
  if (const size_t hash = file.rfind('#');
      hash != std::string::npos && hash + 1 < file.size() &&
      file.find_first_not_of("0123456789", hash + 1) == std::string::npos) {
    mbox_index = std::stol(file.substr(hash + 1));
    file.resize(hash);
  }
  json out = {{"file", file},
              {"kind", classifiers::to_string(report.kind)},
              {"format", report.format},
              {"recipients", std::move(recipients)},
              {"original",
               {{"message_id", report.original.message_id},
                {"from", report.original.from},
                {"to", report.original.to},
                {"subject", report.original.subject},
                {"headers", std::move(headers)}}},
              {"verp", report.verp}};
  if (mbox_index) out["mbox_index"] = *mbox_index;
  if (!report.warnings.empty()) out["warnings"] = report.warnings;
  if (!report.subtype.empty()) out["subtype"] = report.subtype;
  if (!report.reporting_mta.empty()) out["reporting_mta"] = report.reporting_mta;
  if (!message.error.empty()) out["error"] = message.error;
  return out;
}

}  // namespace bounced::daemon
