#include "ses_notification.hpp"

#include <nlohmann/json.hpp>

#include "smtp_reply.hpp"
#include "text_util.hpp"

namespace bounced::classifiers {

namespace {

using nlohmann::json;

std::string string_at(const json& object, const char* key) {
  if (!object.is_object()) return {};
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::optional<json> parse_json_object(std::string_view body) {
  const size_t open = body.find('{');
  const size_t close = body.rfind('}');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
    return std::nullopt;
  }
  std::string text(body.substr(open, close - open + 1));
  json parsed = json::parse(text, nullptr, false);
  if (parsed.is_discarded()) {
    // Sendmail splits lines over its length limit with "!" + newline + space; undo that.
    std::string joined;
    joined.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '!' && i + 2 < text.size() && (text[i + 1] == '\n' || text[i + 1] == '\r')) {
        size_t j = i + 1;
        while (j < text.size() && (text[j] == '\r' || text[j] == '\n')) ++j;
        if (j < text.size() && text[j] == ' ') {
          i = j;
          continue;
        }
      }
      joined.push_back(text[i]);
    }
    parsed = json::parse(joined, nullptr, false);
  }
  if (parsed.is_discarded() || !parsed.is_object()) return std::nullopt;
  return parsed;
}

}  // namespace

std::optional<BounceReport> read_ses_notification(std::string_view body) {
  if (body.find("notificationType") == std::string_view::npos &&
      body.find("eventType") == std::string_view::npos) {
    return std::nullopt;
  }
  auto parsed = parse_json_object(body);
  if (!parsed) return std::nullopt;
  // Delivered through an SNS subscription, the notification is a JSON string inside the SNS
  // envelope's "Message".
  if (auto message = parsed->find("Message"); message != parsed->end() && message->is_string()) {
    json inner = json::parse(message->get<std::string>(), nullptr, false);
    if (!inner.is_discarded() && inner.is_object()) parsed = std::move(inner);
  }
  const json& root = *parsed;
  std::string type = string_at(root, "notificationType");
  if (type.empty()) type = string_at(root, "eventType");
  if (type != "Bounce" && type != "Complaint" && type != "Delivery") return std::nullopt;

  BounceReport report;
  report.format = "amazonses";
  const json mail = root.value("mail", json::object());
  report.original.message_id = string_at(mail, "messageId");
  const json common = mail.value("commonHeaders", json::object());
  report.original.subject = string_at(common, "subject");
  if (auto from = common.find("from"); from != common.end() && from->is_array() && !from->empty()) {
    report.original.from = from->front().is_string() ? from->front().get<std::string>() : "";
  }
  if (auto to = common.find("to"); to != common.end() && to->is_array() && !to->empty()) {
    report.original.to = to->front().is_string() ? to->front().get<std::string>() : "";
  }
  if (std::string id = string_at(common, "messageId"); !id.empty()) {
    report.original.message_id = std::string(trim(id));
    if (report.original.message_id.starts_with("<")) {
      report.original.message_id =
          report.original.message_id.substr(1, report.original.message_id.size() - 2);
    }
  }

  if (type == "Bounce") {
    report.kind = ReportKind::dsn;
    const json bounce = root.value("bounce", json::object());
    report.reporting_mta = to_lower(strip_type_prefix(string_at(bounce, "reportingMTA")));
    for (const json& item : bounce.value("bouncedRecipients", json::array())) {
      RecipientStatus r;
      r.address = normalize_address(string_at(item, "emailAddress"));
      if (r.address.empty()) continue;
      r.action = to_lower(string_at(item, "action"));
      if (r.action.empty()) r.action = "failed";
      r.diagnostic = std::string(strip_type_prefix(string_at(item, "diagnosticCode")));
      const rules::SmtpReply reply = rules::find_smtp_reply(r.diagnostic);
      r.status = rules::find_status_code(string_at(item, "status"));
      if (r.status.empty()) r.status = reply.status;
      r.reply_code = reply.reply_code;
      report.recipients.push_back(std::move(r));
    }
  } else if (type == "Complaint") {
    report.kind = ReportKind::arf;
    const json complaint = root.value("complaint", json::object());
    report.subtype = string_at(complaint, "complaintFeedbackType");
    for (const json& item : complaint.value("complainedRecipients", json::array())) {
      RecipientStatus r;
      r.address = normalize_address(string_at(item, "emailAddress"));
      if (r.address.empty()) continue;
      r.action = "failed";
      r.feedback_type = report.subtype.empty() ? "abuse" : report.subtype;
      r.diagnostic = "feedback-type=" + r.feedback_type;
      report.recipients.push_back(std::move(r));
    }
  } else {
    report.kind = ReportKind::delivered;
    const json delivery = root.value("delivery", json::object());
    const std::string reply_text = string_at(delivery, "smtpResponse");
    for (const json& item : delivery.value("recipients", json::array())) {
      if (!item.is_string()) continue;
      RecipientStatus r;
      r.address = normalize_address(item.get<std::string>());
      if (r.address.empty()) continue;
      r.action = "delivered";
      r.diagnostic = reply_text;
      const rules::SmtpReply reply = rules::find_smtp_reply(reply_text);
      r.status = reply.status;
      r.reply_code = reply.reply_code;
      report.recipients.push_back(std::move(r));
    }
  }
  if (report.recipients.empty()) return std::nullopt;
  return report;
}

}  // namespace bounced::classifiers
