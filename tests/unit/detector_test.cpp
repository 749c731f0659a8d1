// The detectors' claims and their precedence: a strong signal (a report part, an RFC 3834
// header, X-Failed-Recipients) is never overridden by a weak one (a bounce subject, a sender, a
// product name in a body). Invariant 6 is proven here at the claim level and by the fixtures
// autoreply/*-footer.eml as whole mails.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "detectors/apple_unsubscribe.hpp"
#include "detectors/arf_report.hpp"
#include "detectors/auto_reply_notice.hpp"
#include "detectors/detector_list.hpp"
#include "detectors/dsn_report.hpp"
#include "detectors/prose_bounce.hpp"
#include "detectors/recipient_context.hpp"
#include "format_catalog.hpp"
#include "mime_message.hpp"
#include "report_parts.hpp"

namespace bc = bounced::classifiers;
using bc::Confidence;

namespace {

const bc::FormatCatalog& catalog() {
  static const auto loaded = [] {
    auto result = bc::FormatCatalog::load_directory(BOUNCED_SOURCE_DIR "/rules/formats");
    REQUIRE(std::holds_alternative<std::shared_ptr<const bc::FormatCatalog>>(result));
    return std::get<std::shared_ptr<const bc::FormatCatalog>>(result);
  }();
  return *loaded;
}

// A mail read the way the parser reads it, up to the point where detectors are asked.
class ReadMail {
 public:
  explicit ReadMail(const std::string& bytes) : bytes_(bytes), message_(bc::parse_message(bytes_)) {
    REQUIRE(message_);
    parts_ = bc::collect_parts(message_.get());
    if (parts_.delivery_status.empty()) {
      parts_.delivery_status = bc::inline_delivery_status(parts_.body);
      inline_ = !parts_.delivery_status.empty();
    }
    from_ = bc::header_value(GMIME_OBJECT(message_.get()), "From");
    subject_ = bc::header_value(GMIME_OBJECT(message_.get()), "Subject");
    notice_ = std::make_unique<bc::Notice>(message_.get(), parts_, inline_, from_, subject_,
                                           catalog(), options_, bc::Notice::AttachedReader());
  }
  const bc::Notice& notice() const { return *notice_; }

 private:
  std::string bytes_;
  bc::GObjectRef<GMimeMessage> message_;
  bc::ReportParts parts_;
  bool inline_ = false;
  std::string from_;
  std::string subject_;
  bc::ParserOptions options_;
  std::unique_ptr<bc::Notice> notice_;
};

const std::string kFooter =
    "--\nThis email has been scanned by the Barracuda Email Security Service, McAfee Email\n"
    "Gateway, Trend Micro InterScan, Symantec.cloud / MessageLabs, Mimecast, Proofpoint and\n"
    "Sophos. Directory: Domino Directory. Lists: Google Groups. Sent from Outlook, relayed by\n"
    "Postfix, Exim, Sendmail, qmail, Courier and OpenSMTPD, hosted at Gmail and Yahoo.\n";

std::string vacation(const std::string& extra_headers, const std::string& body) {
  return "From: Marta Silva <marta.silva@example.org>\nTo: newsletter@sender.example\n"
         "Subject: Out of Office: January offers\n" +
         extra_headers + "\n" + body;
}

const bc::ProseBounceDetector prose;
const bc::AutoReplyDetector auto_reply;
const bc::DsnReportDetector dsn;

}  // namespace

TEST_CASE("product names in a body are no layout: the catalog has no vendor-name triggers",
          "[detectors]") {
  // Every body pattern in rules/formats/*.yaml is an MTA template's sentence or section marker;
  // a paragraph of product and company names matches none of them.
  const bc::FormatMatch match = catalog().detect("Marta Silva <marta.silva@example.org>",
                                                 "Re: January offers", "Thanks!\n\n" + kFooter);
  CHECK_FALSE(match.by_layout);
  CHECK(match.format == nullptr);
}

TEST_CASE("an RFC 3834 header outranks any prose claim", "[detectors]") {
  const ReadMail mail(vacation("Auto-Submitted: auto-replied\n",
                               "I am out of the office until 19 January.\n" + kFooter));
  CHECK(auto_reply.claim(mail.notice()) == Confidence::header);
  CHECK(prose.claim(mail.notice()) < Confidence::header);
}

TEST_CASE("a vacation subject alone is wording, and a template quoted inside it is not",
          "[detectors]") {
  const ReadMail mail(vacation("",
                               "I am away. Your note could not be delivered to me in person; "
                               "ask office@example.org.\n" +
                                   kFooter));
  CHECK(auto_reply.claim(mail.notice()) == Confidence::wording);
  // The generic words "could not be delivered" are a fallback format's: wording, ranked after
  // the auto-reply detector by the list order.
  CHECK(prose.claim(mail.notice()) <= Confidence::wording);
}

TEST_CASE("system senders and X-Failed-Recipients are bounces, never auto-replies", "[detectors]") {
  const ReadMail daemon(
      "From: Mail Delivery System <MAILER-DAEMON@mx.example.net>\nSubject: Out of office\n"
      "Auto-Submitted: auto-replied\n\nThis message was created automatically by mail delivery "
      "software.\n");
  CHECK(auto_reply.claim(daemon.notice()) == Confidence::none);
  const ReadMail failed(
      "From: Example Relay <relay@example.net>\nSubject: Automatic reply\nAuto-Submitted: "
      "auto-replied\nX-Failed-Recipients: jane@example.org\n\njane@example.org: 550 no such "
      "user\n");
  CHECK(auto_reply.claim(failed.notice()) == Confidence::none);
  CHECK(prose.claim(failed.notice()) == Confidence::header);
}

TEST_CASE("prose claims rank X-Failed-Recipients over layout over wording", "[detectors]") {
  const ReadMail by_template(
      "From: MAILER-DAEMON@mx.example.net\nSubject: failure notice\n\nHi. This is the "
      "qmail-send program at mx.example.net.\n<a@example.org>:\nno mailbox (#5.1.1)\n");
  CHECK(prose.claim(by_template.notice()) == Confidence::layout);
  CHECK(by_template.notice().prose_format().format->id == "qmail");
  const ReadMail by_sender(
      "From: MAILER-DAEMON@mx.example.net\nSubject: Hello\n\n<a@example.org>: 550 no\n");
  CHECK(prose.claim(by_sender.notice()) == Confidence::wording);
  CHECK(by_sender.notice().prose_format().format->id == "generic");
}

TEST_CASE("a delivery-status part is a report; the same fields pasted as text are layout",
          "[detectors]") {
  const std::string fields =
      "Reporting-MTA: dns; mx.example.net\n\nFinal-Recipient: rfc822; jane@example.org\n"
      "Action: failed\nStatus: 5.1.1\n";
  const ReadMail part(
      "From: MAILER-DAEMON@mx.example.net\nMIME-Version: 1.0\nContent-Type: multipart/report; "
      "report-type=delivery-status; boundary=\"B\"\n\n--B\nContent-Type: text/plain\n\nfailed\n"
      "--B\nContent-Type: message/delivery-status\n\n" +
      fields + "\n--B--\n");
  CHECK(dsn.claim(part.notice()) == Confidence::report);
  const ReadMail pasted("From: MAILER-DAEMON@mx.example.net\nSubject: failed\n\n" + fields);
  CHECK(dsn.claim(pasted.notice()) == Confidence::layout);
}

TEST_CASE("the standard list names each detector once, reports first", "[detectors]") {
  const bc::DetectorList list = bc::standard_detectors();
  REQUIRE(list.size() >= 8);
  CHECK(list.front()->name() == "arf");
  CHECK(list.back()->name() == "prose");
  for (size_t i = 0; i < list.size(); ++i) {
    for (size_t j = i + 1; j < list.size(); ++j) CHECK(list[i]->name() != list[j]->name());
  }
}

TEST_CASE("no detector claims above its ceiling", "[detectors]") {
  // The parser skips detectors whose ceiling cannot outrank a claim it holds; a claim above the
  // ceiling would be lost that way.
  const std::vector<std::string> mails = {
      vacation("Auto-Submitted: auto-replied\n", "Away.\n" + kFooter),
      vacation("", "Away.\n"),
      "From: Example Relay <relay@example.net>\nSubject: x\nX-Failed-Recipients: "
      "jane@example.org\n\njane@example.org: 550 no such user\n",
      "From: MAILER-DAEMON@mx.example.net\nSubject: failure notice\n\nHi. This is the "
      "qmail-send program at mx.example.net.\n<a@example.org>:\nno mailbox (#5.1.1)\n",
      "From: a@example.com\nSubject: complaint about message from 198.51.100.20\nMIME-Version: "
      "1.0\nContent-Type: multipart/mixed; boundary=\"B\"\n\n--B\nContent-Type: "
      "message/rfc822\n\nTo: x@example.org\nSubject: y\n\nz\n--B--\n",
      "From: Someone <someone@example.com>\nX-Apple-Unsubscribe: true\nSubject: Unsubscribe\n\n.\n",
  };
  const bc::DetectorList list = bc::standard_detectors();
  for (const auto& bytes : mails) {
    const ReadMail mail(bytes);
    for (const auto& detector : list) {
      INFO(detector->name() << " on: " << bytes.substr(0, 60));
      CHECK(detector->claim(mail.notice()) <= detector->ceiling());
    }
  }
}

TEST_CASE("a quoted last error reaches the recipient that lacks a reply", "[detectors]") {
  auto failed = [](std::string address, std::string diagnostic) {
    bc::RecipientStatus r;
    r.address = std::move(address);
    r.action = "failed";
    r.status = "4.4.7";
    r.diagnostic = std::move(diagnostic);
    return r;
  };
  SECTION("one recipient: the quote is its reason") {
    std::vector<bc::RecipientStatus> rs = {failed("ulla@example.se", "delivery time expired")};
    bc::add_last_error(rs, catalog(),
                       "Retried for 3 days.\n\nThe last error was:\n452 4.2.2 Mailbox full\n\n"
                       "-- \nThe mail system\n");
    CHECK(rs[0].diagnostic == "delivery time expired; The last error was: 452 4.2.2 Mailbox full");
    CHECK(rs[0].reply_code == "452");
    CHECK(rs[0].status == "4.4.7");  // the MTA's verdict on its queue stays
  }
  SECTION("several: only the one the quote names, and never one that has its own reply") {
    std::vector<bc::RecipientStatus> rs = {failed("a@example.org", "expired"),
                                           failed("b@example.org", "expired"),
                                           failed("c@example.org", "550 5.1.1 user unknown")};
    bc::add_last_error(rs, catalog(),
                       "The last error was: 552 5.2.2 <b@example.org>: Mailbox full\n");
    CHECK(rs[0].diagnostic == "expired");
    CHECK(rs[1].reply_code == "552");
    CHECK(rs[2].diagnostic == "550 5.1.1 user unknown");
  }
  SECTION("a quote without an SMTP reply adds nothing") {
    std::vector<bc::RecipientStatus> rs = {failed("a@example.org", "expired")};
    bc::add_last_error(rs, catalog(), "The last error was: connection timed out\n");
    CHECK(rs[0].diagnostic == "expired");
  }
}

namespace {

std::string plain_reply(const std::string& subject, const std::string& body) {
  return "From: Marta Silva <marta.silva@example.org>\nTo: newsletter@sender.example\n"
         "Subject: " +
         subject + "\nContent-Type: text/plain; charset=utf-8\n\nHello,\n\n" + body + "\n\nMarta\n";
}

}  // namespace

TEST_CASE("out-of-office replies without RFC 3834 headers: opening sentences and subjects",
          "[detectors][autoreply]") {
  // Invariant 9: an auto-reply is known by its wording in the common languages; none of these
  // carries Auto-Submitted or X-Autoreply.
  for (const std::string body :
       {"I'm out of office until Monday 7 December.", "I am on PTO until 7 December.",
        "I'm OOO until Monday.", "Thanks for your message. I'm off until Monday, 7 December.",
        "I am presently out of the office.", "I'll be out of the office until 7 December.",
        "I am attending a conference this week and will reply on my return.",
        "I am currently out of the country.", "Ich bin derzeit nicht im Haus.",
        "Vielen Dank. Ich bin ab dem 7.12. wieder im Büro.",
        "Me encuentro de vacaciones hasta el 7 de diciembre.", "Я в отпуске до 7 декабря.",
        "Меня нет в офисе до 7 декабря.", "本人休假中，12月7日返回。"}) {
    INFO(body);
    const ReadMail mail(plain_reply("Re: December offers", body));
    CHECK(auto_reply.claim(mail.notice()) == Confidence::wording);
  }
  for (const std::string subject :
       {"Autosvar: December offers", "Ответ автоматический: Предложения", "Vacation: offers",
        "On leave until 7 December", "Annual leave - December offers", "Urlaub bis 7.12.",
        "En congés jusqu'au 7 décembre", "De vacaciones", "In ferie", "Met vakantie", "Férias",
        "Urlop", "Lomalla"}) {
    INFO(subject);
    const ReadMail mail(plain_reply(subject, "Thanks for your note, I will reply soon."));
    CHECK(auto_reply.claim(mail.notice()) == Confidence::wording);
  }
}

TEST_CASE("ordinary mail that mentions absence or holidays is no auto-reply",
          "[detectors][autoreply]") {
  for (const std::string subject :
       {"Urlaubsangebote 2027", "Leave request approved", "Holiday sale: 20% off",
        "Vacation rentals in December", "Ferienwohnung am See"}) {
    INFO(subject);
    const ReadMail mail(plain_reply(subject, "See the attached offers."));
    CHECK(auto_reply.claim(mail.notice()) == Confidence::none);
  }
  for (const std::string body :
       {"I was out of the office last week, sorry for the slow answer.",
        "The office will be closed on 24 December.", "Our holiday schedule is attached."}) {
    INFO(body);
    const ReadMail mail(plain_reply("Re: December offers", body));
    CHECK(auto_reply.claim(mail.notice()) == Confidence::none);
  }
}

TEST_CASE("out-of-office wording beyond the first ten languages, and phrasings they missed",
          "[detectors][autoreply]") {
  // Invariant 9 (autoreply6): one opening sentence per language and phrasing, none with an
  // RFC 3834 header; each was not recognised before.
  for (const std::string body : {
           "I'm currently away. In my absence, please write to sales@example.com.",
           "I'll be back in the office on Monday 19 January.",
           "I'm out until Monday, 19 January.",
           "I am currently unavailable until 19 January.",
           "I am no longer with Example Co.; please write to info@example.com.",
           "Thanks! I'll reply when I'm back.",
           "This is an auto-reply: your message has arrived.",
           "Vom 12. bis 23. Januar bin ich im Urlaub.",
           "Während meiner Abwesenheit wird Ihre E-Mail nicht weitergeleitet.",
           "Je suis en dehors du bureau jusqu'au 20 janvier.",
           "No me encuentro en la oficina hasta el 20 de enero.",
           "Non sono in ufficio fino al 20 gennaio.",
           "Encontro-me de férias até 20 de janeiro.",
           "Estou em viagem até o dia 20 de janeiro.",
           "Tot en met 20 januari ben ik niet aanwezig.",
           "Przebywam na urlopie do 20 stycznia.",
           "Nejsem v kanceláři do 20. ledna.",
           "Nie som v kancelárii do 20. januára.",
           "Till och med 20 januari är jag föräldraledig.",
           "Jeg er ute av kontoret til 20. januar.",
           "Jeg holder ferie til og med den 20. januar.",
           "Olen poissa toimistosta 20.1. asti.",
           "20 Ocak tarihine kadar izinde olacağım.",
           "До 20 января я в командировке.",
           "Я у відпустці до 20 січня.",
           "Január 20-ig szabadságon leszek.",
           "Mă aflu în concediu până pe 20 ianuarie.",
           "Απουσιάζω από το γραφείο έως τις 20 Ιανουαρίου.",
           "1月20日まで不在にしています。",
           "我正在出差，1月20日返回。",
           "1월 20일까지 휴가 중입니다.",
       }) {
    INFO(body);
    const ReadMail mail(plain_reply("Re: December offers", body));
    CHECK(auto_reply.claim(mail.notice()) == Confidence::wording);
  }
  for (const std::string subject :
       {"Auto: December offers", "Automated reply: December offers", "Autoresponder",
        "Poissa toimistosta: tarjoukset", "Автовідповідь: Пропозиції", "Semester till 20 januari",
        "Hors du bureau", "Fuera de oficina", "Buiten kantoor", "Dovolená do 20. ledna",
        "不在办公室"}) {
    INFO(subject);
    const ReadMail mail(plain_reply(subject, "Thanks for your note, I will reply soon."));
    CHECK(auto_reply.claim(mail.notice()) == Confidence::wording);
  }
}

namespace {

std::string with_headers(const std::string& headers, const std::string& subject,
                         const std::string& body) {
  return "From: Grace Lee <grace.lee@example.com>\nTo: newsletter@sender.example\nSubject: " +
         subject + "\n" + headers + "Content-Type: text/plain; charset=utf-8\n\n" + body + "\n";
}

}  // namespace

TEST_CASE("which header marks make an auto-reply alone, and which only with wording",
          "[detectors][autoreply]") {
  const std::string plain = "Orders are handled by orders@example.com from now on.";
  // Exchange's mailbox rules agent (the Out of Office assistant, a "reply using" rule) leaves
  // the loop mark and asks for no answer: that pair is an automatic reply.
  const ReadMail exchange(
      with_headers("Auto-Submitted: auto-generated\nX-Auto-Response-Suppress: All\n"
                   "X-MS-Exchange-Inbox-Rules-Loop: grace.lee@example.com\n",
                   "RE: December offers", plain));
  CHECK(auto_reply.claim(exchange.notice()) == Confidence::header);
  // Alone, none of these says that a person's mailbox answered.
  for (const std::string headers :
       {"Auto-Submitted: auto-generated\n", "Auto-Submitted: auto-notified\n", "Precedence: bulk\n",
        "Precedence: junk\n", "X-Auto-Response-Suppress: All\n",
        "X-Auto-Response-Suppress: OOF, DR, RN, NRN\n",
        "X-MS-Exchange-Inbox-Rules-Loop: grace.lee@example.com\n"}) {
    INFO(headers);
    const ReadMail mail(with_headers(headers, "RE: December offers", plain));
    CHECK(auto_reply.claim(mail.notice()) == Confidence::none);
  }
  // vacation(1) marks its reply Precedence: junk; the wording still decides.
  const ReadMail unix_vacation(
      with_headers("Precedence: junk\n", "Re: December offers", "I am on vacation until May."));
  CHECK(auto_reply.claim(unix_vacation.notice()) == Confidence::wording);
  // RFC 3834 and the vendor marks, whatever the subject.
  for (const std::string headers :
       {"Auto-Submitted: auto-replied (vacation)\n", "Auto-Submitted: Auto-Replied\n",
        "Auto-Submitted: auto-replied; owner-email=\"grace.lee@example.com\"\n",
        "X-Autoreply: yes\n", "X-Autorespond: on\n", "Precedence: auto_reply\n"}) {
    INFO(headers);
    const ReadMail mail(with_headers(headers, "Re: December offers", plain));
    CHECK(auto_reply.claim(mail.notice()) == Confidence::header);
  }
}

TEST_CASE("mail to a list is no auto-reply by its wording, only by an RFC 3834 header",
          "[detectors][autoreply]") {
  for (const std::string headers :
       {"List-Unsubscribe: <https://example.com/u?1>\nPrecedence: bulk\n",
        "List-Id: Travel news <news.example.com>\n", "Precedence: list\n"}) {
    INFO(headers);
    const ReadMail news(with_headers(headers, "Out of office this summer? Pack this",
                                     "I am out of the office myself until August."));
    CHECK(auto_reply.claim(news.notice()) == Confidence::none);
    const ReadMail confirm(with_headers(headers, "Please confirm your subscription", "Hello"));
    CHECK(auto_reply.claim(confirm.notice()) == Confidence::none);
  }
  const ReadMail relayed(
      with_headers("List-Id: Team <team.example.com>\nAuto-Submitted: "
                   "auto-replied\n",
                   "Automatic reply: minutes", "I am away."));
  CHECK(auto_reply.claim(relayed.notice()) == Confidence::header);
}

TEST_CASE("a bounce whose returned original is an out-of-office reply stays a bounce",
          "[detectors][autoreply]") {
  const std::string original =
      "From: Support Desk <support@sender.example>\nTo: bob@example.net\n"
      "Subject: Out of Office: Your order\n\nI am out of the office until 20 January.\n";
  // RFC 3834 asks bounces for Auto-Submitted too; the MTA template's sentences outrank it.
  const ReadMail gateway(
      "From: Example Mail Gateway <gateway@mx.example.net>\nSubject: Returned mail: see "
      "transcript for details\nAuto-Submitted: auto-replied\n\n   ----- The following addresses "
      "had permanent fatal errors -----\n<bob@example.net>\n    (reason: 550 5.1.1 User "
      "unknown)\n\n   ----- Original message follows -----\n\n" +
      original);
  CHECK(auto_reply.claim(gateway.notice()) == Confidence::wording);
  CHECK(prose.claim(gateway.notice()) == Confidence::layout);
  // The vacation words after a bounce's own subject words are the original's subject.
  const ReadMail subject(
      "From: Example Mail Gateway <gateway@mail.example.net>\nSubject: Undeliverable: Out of "
      "Office: Your order\n\nYour message could not be delivered.\n\nbob@example.net: 550 5.1.1 "
      "Mailbox does not exist\n");
  CHECK(auto_reply.claim(subject.notice()) == Confidence::none);
  // An out-of-office sentence after the marker of a returned original is quoted, not written.
  const ReadMail quoted(
      "From: Example Mail Gateway <gateway@mail.example.net>\nSubject: Mail delivery failed\n\n"
      "Your message could not be delivered.\n\nbob@example.net: 550 5.1.1 Mailbox does not "
      "exist\n\n------ This is a copy of the message, including all the headers. ------\n\n" +
      original);
  CHECK(auto_reply.claim(quoted.notice()) == Confidence::none);
  // An auto-reply that quotes our mail under Outlook's separator is still an auto-reply.
  const ReadMail reply(plain_reply("Re: December offers",
                                   "I am out of the office until 20 January.\n\n-----Original "
                                   "Message-----\nFrom: news@sender.example\n"));
  CHECK(auto_reply.claim(reply.notice()) == Confidence::wording);
}

TEST_CASE("a catalog format's action is failed or delivered, nothing else", "[detectors]") {
  namespace fs = std::filesystem;
  const fs::path dir =
      fs::temp_directory_path() / ("bounced-catalog-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  fs::copy(BOUNCED_SOURCE_DIR "/rules/formats", dir,
           fs::copy_options::overwrite_existing | fs::copy_options::recursive);
  const auto load = [&](const std::string& action) {
    std::ofstream(dir / "50-test.yaml") << "formats:\n  - id: test\n"
                                           "    detect: {body: ['^Delivered fine']}\n"
                                           "    action: "
                                        << action << "\n";
    return bc::FormatCatalog::load_directory(dir.string());
  };
  const auto good = load("delivered");
  if (const auto* error = std::get_if<bc::CatalogError>(&good)) FAIL(error->message);
  CHECK(std::holds_alternative<std::shared_ptr<const bc::FormatCatalog>>(load("failed")));
  const auto bad = load("bounced");
  REQUIRE(std::holds_alternative<bc::CatalogError>(bad));
  CHECK(std::get<bc::CatalogError>(bad).message.find("action") != std::string::npos);
  fs::remove_all(dir);
}
