// Invariant 8: how a message's bytes were stored never refuses it. Leading blank lines, an mbox
// "From " line, CRLF or bare CR line ends, a missing final newline and 8-bit header text are all
// read, with a warning where the framing is odd. (tests/fixtures/framing/ holds the same cases as
// whole mails; here each is built from one bounce so that only the framing differs.)
#include "message_framing.hpp"

#include <glib.h>

#include <catch2/catch.hpp>
#include <string>

#include "cli/runtime.hpp"

using bounced::classifiers::FramedMessage;
using bounced::classifiers::ReportKind;

namespace {

const bounced::daemon::Pipeline& pipeline() {
  static const auto built = [] {
    auto p = bounced::daemon::cli::build_pipeline({});
    REQUIRE(p.has_value());
    return std::move(*p);
  }();
  return built;
}

// A qmail-send bounce (its own template), LF line ends, ending in a newline.
const std::string kQmailBounce =
    "Return-Path: <>\n"
    "From: MAILER-DAEMON@mx.example.net\n"
    "To: newsletter@sender.example\n"
    "Subject: failure notice\n"
    "\n"
    "Hi. This is the qmail-send program at mx.example.net.\n"
    "I'm afraid I wasn't able to deliver your message to the following addresses.\n"
    "This is a permanent error; I've given up. Sorry it didn't work out.\n"
    "\n"
    "<omar@example.net>:\n"
    "Sorry, no mailbox here by that name. (#5.1.1)\n";

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

void require_read(const std::string& bytes) {
  const auto m = pipeline().run("framing", bytes);
  INFO(m.error);
  REQUIRE(m.report.kind == ReportKind::non_dsn);
  REQUIRE(m.recipients.size() == 1);
  CHECK(m.recipients[0].status.address == "omar@example.net");
  CHECK(m.recipients[0].status.status == "5.1.1");
  CHECK(m.recipients[0].verdict.category == bounced::rules::Category::hard);
}

bool has_warning(const bounced::daemon::ClassifiedMessage& m, const std::string& prefix) {
  for (const auto& w : m.report.warnings) {
    if (w.starts_with(prefix)) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("the plain bounce is read (the baseline the framings below vary)", "[framing]") {
  require_read(kQmailBounce);
  CHECK(pipeline().run("plain", kQmailBounce).report.warnings.empty());
}

TEST_CASE("blank lines before the header are skipped with a warning", "[framing]") {
  for (const std::string& prefix :
       {std::string("\n"), std::string("\n\n"), std::string("\r\n"), std::string(" \t\n\n")}) {
    require_read(prefix + kQmailBounce);
    CHECK(has_warning(pipeline().run("blank", prefix + kQmailBounce), "framing: "));
  }
}

TEST_CASE("an mbox From line is framing, not a header", "[framing]") {
  const std::string mbox = "From MAILER-DAEMON Fri Jan  9 10:15:02 2026\n" + kQmailBounce;
  require_read(mbox);
  CHECK(pipeline().run("mbox", mbox).report.warnings.empty());
  require_read("\nFrom MAILER-DAEMON Fri Jan  9 10:15:02 2026\n" + kQmailBounce);
}

TEST_CASE("an mboxrd-quoted >From line is framing too", "[framing]") {
  // A message saved out of an mboxrd file keeps the separator quoted as ">From ".
  require_read(">From MAILER-DAEMON Fri Jan  9 10:15:02 2026\n" + kQmailBounce);
  require_read(
      replace_all(">From MAILER-DAEMON Fri Jan  9 10:15:02 2026\n" + kQmailBounce, "\n", "\r\n"));
  // Only one separator: a second ">From " line is not a header, so the mail is refused.
  CHECK(pipeline().run("two", ">From a\n>From b\n" + kQmailBounce).report.kind ==
        ReportKind::error);
}

TEST_CASE("CRLF, bare CR and a missing final newline are all read", "[framing]") {
  const std::string crlf = replace_all(kQmailBounce, "\n", "\r\n");
  require_read(crlf);
  require_read(crlf.substr(0, crlf.size() - 2));
  require_read(kQmailBounce.substr(0, kQmailBounce.size() - 1));
  const std::string bare_cr = replace_all(kQmailBounce, "\n", "\r");
  require_read(bare_cr);
  CHECK(has_warning(pipeline().run("cr", bare_cr), "framing: bare CR"));
  require_read(bare_cr.substr(0, bare_cr.size() - 1));
}

TEST_CASE("a UTF-8 byte-order mark before the header is skipped", "[framing]") {
  require_read("\xEF\xBB\xBF" + kQmailBounce);
}

TEST_CASE("8-bit header text is read and handed out as UTF-8", "[framing]") {
  const std::string latin1 = replace_all(kQmailBounce, "Subject: failure notice",
                                         "Subject: Unzustellbar: Gr\xfc\xdf"
                                         "e aus M\xfcnchen");
  require_read(latin1);
  const auto m = pipeline().run("8bit", latin1);
  CHECK(g_utf8_validate(m.report.subject.data(), static_cast<gssize>(m.report.subject.size()),
                        nullptr));
  CHECK(m.report.subject.find("M") != std::string::npos);
  const std::string utf8 = replace_all(kQmailBounce, "Subject: failure notice",
                                       "Subject: Unzustellbar: Grüße aus München");
  CHECK(pipeline().run("utf8", utf8).report.subject == "Unzustellbar: Grüße aus München");
}

TEST_CASE("what is no mail at all is still refused, with the reason", "[framing]") {
  CHECK(pipeline().run("json", "\n\n{\"notificationType\": \"Bounce\"}\n").report.kind ==
        ReportKind::error);
  CHECK(pipeline().run("blank", "\n\n\r\n  \n").report.kind == ReportKind::error);
}

TEST_CASE("FramedMessage only copies when line ends must change", "[framing]") {
  const std::string lf = "From: a@example.com\n\nbody\n";
  const FramedMessage plain(lf);
  CHECK(plain.bytes().data() == lf.data());
  CHECK(plain.warnings().empty());
  const std::string with_blank_lines = "\n\n" + lf;
  const FramedMessage blank(with_blank_lines);
  CHECK(blank.bytes() == lf);
  REQUIRE(blank.warnings().size() == 1);
  CHECK(blank.warnings()[0] == "framing: 2 blank line(s) before the header skipped");
  const std::string with_cr = "From: a@example.com\r\rbody\r";
  const FramedMessage cr(with_cr);
  CHECK(cr.bytes() == "From: a@example.com\n\nbody\n");
}
