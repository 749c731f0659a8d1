// Which SMTP command a remote server's rejection answered, as MTAs write it in their reports:
// Postfix "(in reply to RCPT TO command)", Exim "SMTP error ... after end of data", Sendmail and
// Courier transcripts ">>> DATA", DragonFly "did not like our final DATA". A rejection at DATA
// speaks for the message, not the mailbox, and rules may treat it differently.
#pragma once

#include <string>
#include <string_view>

namespace bounced::rules {

// "CONN", "HELO", "MAIL", "RCPT", "DATA", or "" when the text does not say.
std::string find_smtp_command(std::string_view text);

}  // namespace bounced::rules
