#include "recipient_context.hpp"

#include <algorithm>
#include <optional>
#include <string>

#include "smtp_command.hpp"
#include "smtp_reply.hpp"
#include "text_util.hpp"

namespace bounced::classifiers {

void fill_smtp_commands(std::vector<RecipientStatus>& recipients, std::string_view body) {
  std::optional<std::string> from_body;
  for (auto& r : recipients) {
    r.smtp_command = rules::find_smtp_command(r.diagnostic);
    if (!r.smtp_command.empty()) continue;
    if (!from_body) {
      from_body = rules::find_smtp_command(body.substr(0, std::min<size_t>(body.size(), 8192)));
    }
    r.smtp_command = *from_body;
  }
}

namespace {

bool lacks_reply(const RecipientStatus& r) {
  return (r.action == "failed" || r.action == "delayed") &&
         rules::find_smtp_reply(r.diagnostic).reply_code.empty();
}

}  // namespace

void add_last_error(std::vector<RecipientStatus>& recipients, const FormatCatalog& catalog,
                    std::string_view body) {
  const auto lacking = std::count_if(recipients.begin(), recipients.end(), lacks_reply);
  if (body.empty() || lacking == 0) return;
  const std::string_view last_error = catalog.find_last_error(body);
  if (last_error.empty()) return;
  const std::string quote = collapse_whitespace(last_error);
  const rules::SmtpReply reply = rules::find_smtp_reply(last_error);
  if (reply.reply_code.empty() && reply.status.empty()) return;
  const std::string lowered_quote = to_lower(quote);
  for (auto& r : recipients) {
    if (!lacks_reply(r)) continue;
    // One quote for several recipients belongs to the one it names, if it names one.
    if (lacking > 1 && lowered_quote.find(to_lower(r.address)) == std::string::npos) continue;
    if (r.diagnostic.find(quote) != std::string::npos) continue;
    r.diagnostic = r.diagnostic.empty() ? quote : r.diagnostic + "; " + quote;
    if (r.reply_code.empty()) r.reply_code = reply.reply_code;
    // The reporting MTA's own x.4.7 ("delivery time expired") stays: it is the verdict on its
    // queue, and the rules read the quoted reason from the diagnostic.
    if (!reply.status.empty() && !rules::is_specific_status(r.status)) r.status = reply.status;
  }
}

}  // namespace bounced::classifiers
