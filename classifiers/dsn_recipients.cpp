#include "dsn_recipients.hpp"

#include <glib.h>

#include <algorithm>
#include <cstdlib>

#include "smtp_reply.hpp"
#include "text_util.hpp"

namespace bounced::classifiers {

namespace {

// RFC 6533 utf-8 addresses may carry "\x{HEX}" escapes for non-ASCII characters.
std::string decode_unitext(std::string_view value) {
  std::string out;
  for (size_t i = 0; i < value.size(); ++i) {
    if (value[i] == '\\' && value.substr(i).starts_with("\\x{")) {
      const size_t close = value.find('}', i);
      if (close != std::string_view::npos) {
        const std::string hex(value.substr(i + 3, close - i - 3));
        char* end = nullptr;
        const unsigned long code = std::strtoul(hex.c_str(), &end, 16);
        if (end != nullptr && *end == '\0' && code > 0 && code < 0x110000) {
          char buffer[8] = {};
          const int length = g_unichar_to_utf8(static_cast<gunichar>(code), buffer);
          out.append(buffer, static_cast<size_t>(length));
          i = close;
          continue;
        }
      }
    }
    out.push_back(value[i]);
  }
  return out;
}

std::string first_word_lower(std::string_view value) {
  value = trim(value);
  const size_t end = value.find_first_of(" \t(;");
  return to_lower(value.substr(0, end));
}

}  // namespace

std::vector<RecipientStatus> read_delivery_status(const DeliveryStatus& status) {
  std::vector<RecipientStatus> recipients;
  for (const FieldBlock& block : status.per_recipient) {
    RecipientStatus r;
    r.address = normalize_address(decode_unitext(block.get("Final-Recipient")));
    if (r.address.empty())
      r.address = normalize_address(decode_unitext(block.get("X-Actual-Recipient")));
    r.original_recipient = normalize_address(decode_unitext(block.get("Original-Recipient")));
    if (r.address.empty()) r.address = r.original_recipient;
    if (r.address.empty()) continue;
    r.action = first_word_lower(block.get("Action"));
    r.status = rules::find_status_code(block.get("Status"));
    std::string_view diagnostic = block.get("Diagnostic-Code");
    r.diagnostic = std::string(strip_type_prefix(diagnostic));
    r.remote_mta = to_lower(strip_type_prefix(block.get("Remote-MTA")));
    r.last_attempt_date = std::string(block.get("Last-Attempt-Date"));
    const rules::SmtpReply reply = rules::find_smtp_reply(r.diagnostic);
    r.reply_code = reply.reply_code;
    // The Diagnostic-Code is the remote server's own reply; the Status field is the reporting
    // MTA's summary of it, often a generic or mapped code ("Status: 5.0.0" or "5.1.1" over "550
    // 5.7.1 IP address blacklisted"). A specific code of the same class in the reply wins,
    // except over x.4.7: "delivery time expired" is the reporting MTA's own verdict on its queue,
    // and the last remote reply is only what it saw on the way.
    const bool expired = r.status.size() >= 5 && r.status.substr(1) == ".4.7";
    if (!reply.status.empty() &&
        (r.status.empty() ||
         (reply.status[0] == r.status[0] && rules::is_specific_status(reply.status) && !expired))) {
      r.status = reply.status;
    }
    recipients.push_back(std::move(r));
  }
  return recipients;
}

bool all_delivered(const std::vector<RecipientStatus>& recipients) {
  return !recipients.empty() &&
         std::all_of(recipients.begin(), recipients.end(), [](const RecipientStatus& r) {
           return r.action == "delivered" || r.action == "relayed" || r.action == "expanded";
         });
}

}  // namespace bounced::classifiers
