// What the readers of failed recipients share: the SMTP command a rejection answered, and the
// last error an MTA quotes when it gave up retrying.
#pragma once

#include <string_view>
#include <vector>

#include "format_catalog.hpp"
#include "report.hpp"

namespace bounced::classifiers {

// The SMTP command each rejection answered: from its own diagnostic, else from the notice's
// human-readable text (Postfix writes "(in reply to RCPT TO command)" only there).
void fill_smtp_commands(std::vector<RecipientStatus>& recipients, std::string_view body);

// An expiry notice ("retry timeout exceeded", "could not be delivered for 5 days") may quote the
// last reply the MTA received ("The last error was: 552 5.2.2 Mailbox full"). That reply says why
// the retries failed, so a recipient whose own diagnostic carries no SMTP reply gets it appended,
// with its reply code and, where the recipient has no specific status, its status. The rules
// then decide between expired and what the reply says. With several such recipients the quote
// goes only to the one it names. The body is searched only when some recipient lacks a reply.
void add_last_error(std::vector<RecipientStatus>& recipients, const FormatCatalog& catalog,
                    std::string_view body);

}  // namespace bounced::classifiers
