// Invariant 10: a prose bounce from any MTA family yields its recipient with the quoted error,
// and when no rule knows the wording, the verdict comes from the enhanced status and the reply
// code. Each layout below follows the MTA's own template (qmail-send, Postfix bounce(8), Exim,
// Sendmail, Exchange 2000/2003, Domino, OpenSMTPD, Courier, hMailServer, Kerio Connect,
// MailEnable, CommuniGate Pro, GroupWise GWIA, IceWarp, SmarterMail); the remote reply is
// wording no rule knows, so only its codes can decide.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "cli/runtime.hpp"

using bounced::classifiers::ReportKind;
using bounced::rules::Category;

namespace {

const bounced::daemon::Pipeline& pipeline() {
  static const auto built = [] {
    auto p = bounced::daemon::cli::build_pipeline({});
    REQUIRE(p.has_value());
    return std::move(*p);
  }();
  return built;
}

std::string fill(std::string text, const std::string& rcpt, const std::string& reply,
                 const std::string& status) {
  for (const auto& [key, value] : {std::pair<std::string, std::string>{"{rcpt}", rcpt},
                                   {"{reply}", reply},
                                   {"{status}", status}}) {
    for (size_t at = text.find(key); at != std::string::npos; at = text.find(key, at)) {
      text.replace(at, key.size(), value);
    }
  }
  return text;
}

struct Family {
  const char* name;
  const char* format;  // expected reader
  std::string mail;
};

std::vector<Family> families() {
  const std::string headers =
      "From: Mail Delivery System <MAILER-DAEMON@mx.sender.example>\n"
      "To: newsletter@sender.example\nSubject: Returned mail: see transcript for details\n\n";
  return {
      {"qmail", "qmail",
       headers +
           "Hi. This is the qmail-send program at mx.sender.example.\n"
           "I'm afraid I wasn't able to deliver your message to the following addresses.\n"
           "This is a permanent error; I've given up. Sorry it didn't work out.\n\n"
           "<{rcpt}>:\n192.0.2.25 failed after I sent the message.\n"
           "Remote host said: {reply}\n\n--- Below this line is a copy of the message.\n\n"
           "From: newsletter@sender.example\nTo: {rcpt}\nSubject: January offers\n\nHello.\n"},
      {"postfix", "postfix",
       headers + "This is the mail system at host mx.sender.example.\n\n"
                 "I'm sorry to have to inform you that your message could not\n"
                 "be delivered to one or more recipients. It's attached below.\n\n"
                 "For further assistance, please send mail to postmaster.\n\n"
                 "                   The mail system\n\n"
                 "<{rcpt}>: host mx.example.org[192.0.2.25] said: {reply} (in reply to end of\n"
                 "    DATA command)\n"},
      {"exim", "exim",
       headers + "This message was created automatically by mail delivery software.\n\n"
                 "A message that you sent could not be delivered to one or more of its\n"
                 "recipients. This is a permanent error. The following address(es) failed:\n\n"
                 "  {rcpt}\n    host mx.example.org [192.0.2.25]\n"
                 "    SMTP error from remote mail server after end of data:\n    {reply}\n\n"
                 "------ This is a copy of the message, including all the headers. ------\n"},
      {"sendmail", "sendmail",
       headers + "The original message was received at Fri, 9 Jan 2026 09:30:01 GMT\n"
                 "from mail.sender.example [198.51.100.20]\n\n"
                 "   ----- The following addresses had permanent fatal errors -----\n"
                 "<{rcpt}>\n    (reason: {reply})\n\n"
                 "   ----- Transcript of session follows -----\n"
                 "... while talking to mx.example.org.:\n>>> RCPT To:<{rcpt}>\n<<< {reply}\n"
                 "{reply}\n"},
      {"exchange 2003", "exchange",
       headers + "Your message\n\n  To:      {rcpt}\n  Subject: January offers\n"
                 "  Sent:    Fri, 9 Jan 2026 09:30:01 +0000\n\n"
                 "did not reach the following recipient(s):\n\n"
                 "{rcpt} on Fri, 9 Jan 2026 09:30:05 +0000\n"
                 "    The e-mail system was unable to deliver the message, but did not report a\n"
                 "    specific reason.\n"
                 "    <mx.example.org #{status} smtp;{reply}>\n"},
      {"domino", "domino",
       headers +
           "Your message\n\n  Subject: January offers\n\nwas not delivered to:\n\n  {rcpt}\n\n"
           "because:\n\n  Error transferring to mx.example.org; SMTP Protocol Returned a "
           "Permanent Error {reply}\n"},
      {"opensmtpd", "opensmtpd",
       headers + "Hi!\n\nThis is the MAILER-DAEMON, please DO NOT REPLY to this email.\n\n"
                 "An error has occurred while attempting to deliver a message for\n"
                 "the following list of recipients:\n\n{rcpt}: {reply}\n\n"
                 "Below is a copy of the original message:\n"},
      {"courier", "courier",
       headers + "This is a delivery status notification from mx.sender.example,\n"
                 "running the Courier mail server, version 1.1.8.\n\n"
                 "The original message was received on Fri, 9 Jan 2026 09:30:01 +0000\n"
                 "from mail.sender.example [198.51.100.20]\n\n"
                 "                           UNDELIVERABLE MAIL\n\n"
                 "Your message to the following recipients cannot be delivered:\n\n"
                 "<{rcpt}>:\n    mx.example.org [192.0.2.25]:\n>>> DATA\n<<< {reply}\n"},
      {"hmailserver", "exchange",
       headers + "Your message did not reach some or all of the intended recipients.\n\n"
                 "   Sent: Fri, 9 Jan 2026 10:40:59 +0100\n   Subject: January offers\n\n"
                 "The following recipient(s) could not be reached:\n\n{rcpt}\n   Error Type: SMTP\n"
                 "   Remote server (192.0.2.71) issued an error.\n"
                 "   hMailServer sent: RCPT TO:<{rcpt}>\n   Remote server replied: {reply}\n"},
      // Families the catalog has no entry for: the generic reader (or the Exchange 2003
      // reader, for notices laid out like it) must still pair the address with its reply.
      {"exchange 2000 (numeric date)", "exchange",
       headers + "Your message did not reach some or all of the intended recipients.\n\n"
                 "      Subject:\tJanuary offers\n      Sent:\t1/9/2026 9:30 AM\n\n"
                 "The following recipient(s) could not be reached:\n\n"
                 "      {rcpt} on 1/9/2026 9:30 AM\n"
                 "            The e-mail system was unable to deliver the message, but did not\n"
                 "            report a specific reason.\n"
                 "            <mx.example.org #{status} smtp;{reply}>\n"},
      {"kerio connect", "exchange",
       headers + "Your message did not reach some or all of the intended recipients.\n\n"
                 "   Subject:  January offers\n   Sent:     Fri, 9 Jan 2026 09:30:01 +0000\n\n"
                 "The following recipient(s) could not be reached:\n\n   {rcpt}\n"
                 "       Error Type: SMTP\n       Remote server replied: {reply}\n"},
      {"mailenable", "exchange",
       headers + "Message Delivery Failure.\n\n"
                 "The following recipient(s) could not be reached:\n\n"
                 "Recipient: [SMTP:{rcpt}]\nReason: Remote SMTP Server Returned: {reply}\n"},
      {"communigate pro", "generic",
       headers + "Failed to deliver to '<{rcpt}>'\nSMTP module(domain example.org) reports:\n"
                 " host mx.example.org says:\n {reply}\n"},
      {"groupwise gwia", "generic",
       headers + "The attached file had the following undeliverable recipient(s):\n\t{rcpt}\n\n"
                 "Transcript of session follows:\n Command:  RCPT TO:<{rcpt}>\n"
                 " Response: {reply}\n"},
      {"icewarp", "generic",
       headers + "Your message could not be delivered to the following recipients.\n\n"
                 "Recipient: {rcpt}\nReason: {reply}\n"},
      {"smartermail", "generic",
       headers + "Unable to deliver message to the following address(es).\n\n<{rcpt}>:\n"
                 "192.0.2.25 does not like recipient.\nRemote host said: {reply}\n"
                 "Giving up on 192.0.2.25.\n"},
  };
}

struct Reply {
  const char* text;
  const char* status;
  const char* code;
  Category category;
  const char* rule_prefix;
};

}  // namespace

TEST_CASE("every prose family yields its recipient, the quoted error, and a verdict from codes",
          "[prose_families]") {
  // No rule knows "zq-frobnication": the enhanced status decides (RFC 3463), then the class. A
  // prose notice is final, so under a 4.x.x status it is the queue giving up: only a rule's words
  // could name a reason, and the code alone makes it expired.
  const Reply replies[] = {
      {"552 5.2.2 zq-frobnication of the recipient store", "5.2.2", "552", Category::quota,
       "status:"},
      {"450 4.2.1 zq-frobnication of the recipient", "4.2.1", "450", Category::soft,
       "action:failed"},
      {"554 5.7.1 zq-frobnication of the message", "5.7.1", "554", Category::soft, "status:"},
  };
  for (const Family& family : families()) {
    for (const Reply& reply : replies) {
      const std::string rcpt = "ulrike@example.org";
      const std::string mail = fill(family.mail, rcpt, reply.text, reply.status);
      const auto m = pipeline().run(family.name, mail);
      INFO(family.name << " / " << reply.text);
      REQUIRE(m.report.kind == ReportKind::non_dsn);
      CHECK(m.report.format == family.format);
      REQUIRE(m.recipients.size() == 1);
      const auto& r = m.recipients[0];
      INFO("diagnostic: " << r.status.diagnostic);
      CHECK(r.status.address == rcpt);
      CHECK(r.status.diagnostic.find("zq-frobnication") != std::string::npos);
      CHECK(r.status.status == reply.status);
      CHECK(r.status.reply_code == reply.code);
      CHECK(r.verdict.category == reply.category);
      INFO("rule: " << r.verdict.rule);
      CHECK(r.verdict.rule.starts_with(reply.rule_prefix));
    }
  }
}

TEST_CASE("an address quoted again in its own reply does not repeat the explanation",
          "[prose_families]") {
  // hMailServer, GroupWise and CommuniGate name the recipient, then quote it again in the
  // command and the reply: the diagnostic holds the explanation once.
  const std::string reply = "550 5.1.1 <ulrike@example.org>: zq-frobnication";
  for (const Family& family : families()) {
    const std::string name = family.name;
    if (name != "hmailserver" && name != "groupwise gwia" && name != "communigate pro" &&
        name != "smartermail") {
      continue;
    }
    const auto m =
        pipeline().run(family.name, fill(family.mail, "ulrike@example.org", reply, "5.1.1"));
    REQUIRE(m.recipients.size() == 1);
    const std::string& diagnostic = m.recipients[0].status.diagnostic;
    INFO(family.name << " diagnostic: " << diagnostic);
    const size_t first = diagnostic.find("zq-frobnication");
    REQUIRE(first != std::string::npos);
    CHECK(diagnostic.find("zq-frobnication", first + 1) == std::string::npos);
  }
}
