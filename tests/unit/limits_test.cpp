// Each limit of classifiers/message_limits.hpp: a message just within it is read, one just over
// it is an error whose reason names the limit (the daemon quarantines it), and the size limit
// holds before the message is read into memory.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "cli/runtime.hpp"
#include "intake/message_source.hpp"
#include "message_limits.hpp"
#include "mime_message.hpp"

using bounced::classifiers::MessageLimits;
using bounced::classifiers::ReportKind;

namespace {

namespace fs = std::filesystem;

bounced::daemon::Pipeline pipeline_with(const MessageLimits& limits) {
  bounced::daemon::cli::PipelineOptions options;
  options.limits = limits;
  auto built = bounced::daemon::cli::build_pipeline(options);
  REQUIRE(built.has_value());
  return std::move(*built);
}

const bounced::daemon::Pipeline& default_pipeline() {
  static const auto built = pipeline_with({});
  return built;
}

const std::string kHeader =
    "From: MAILER-DAEMON@mx.example.net\r\n"
    "To: sender@example.com\r\n"
    "Subject: Undelivered Mail Returned to Sender\r\n"
    "MIME-Version: 1.0\r\n";

std::string dsn_with_recipients(size_t count, const std::string& diagnostic = "550 5.1.1 unknown") {
  std::string m = kHeader +
                  "Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n"
                  "\r\n--B\r\nContent-Type: text/plain\r\n\r\nDelivery failed.\r\n"
                  "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
                  "Reporting-MTA: dns; mx.example.net\r\n";
  for (size_t i = 0; i < count; ++i) {
    m += "\r\nFinal-Recipient: rfc822; u" + std::to_string(i) +
         "@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; " + diagnostic +
         "\r\n";
  }
  return m + "\r\n--B--\r\n";
}

// A multipart/mixed with `parts` empty text parts.
std::string with_parts(size_t parts) {
  std::string m = kHeader + "Content-Type: multipart/mixed; boundary=\"P\"\r\n\r\n";
  for (size_t i = 0; i < parts; ++i) m += "--P\r\nContent-Type: text/plain\r\n\r\nx\r\n";
  return m + "--P--\r\n";
}

// Multiparts nested `depth` deep, each closed properly.
std::string nested(size_t depth) {
  std::string m = kHeader + "Content-Type: multipart/mixed; boundary=\"b0\"\r\n\r\n";
  std::string closing;
  for (size_t i = 1; i < depth; ++i) {
    m += "--b" + std::to_string(i - 1) + "\r\nContent-Type: multipart/mixed; boundary=\"b" +
         std::to_string(i) + "\"\r\n\r\n";
    closing = "--b" + std::to_string(i - 1) + "--\r\n" + closing;
  }
  m += "--b" + std::to_string(depth - 1) + "\r\nContent-Type: text/plain\r\n\r\nx\r\n--b" +
       std::to_string(depth - 1) + "--\r\n";
  return m + closing;
}

struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("bounced-limits-" + std::to_string(::getpid()));
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
};

}  // namespace

TEST_CASE("the size limit: the parser refuses a larger message and names the limit", "[limits]") {
  MessageLimits limits;
  limits.max_message_size = 4096;
  const auto pipeline = pipeline_with(limits);
  std::string m = kHeader + "Content-Type: text/plain\r\n\r\n";
  m.resize(4096, 'x');
  CHECK(pipeline.run("at", m).report.kind != ReportKind::error);
  m.push_back('x');
  const auto over = pipeline.run("over", m);
  REQUIRE(over.report.kind == ReportKind::error);
  CHECK(over.error == "message size 4097 bytes: over the limit limits.max_message_size = 4096");
}

TEST_CASE("the size limit holds before a file or a stream is read into memory", "[limits]") {
  TempDir dir;
  const std::string small = kHeader + "\r\nsmall\r\n";
  const std::string big = kHeader + "\r\n" + std::string(5000, 'y') + "\r\n";
  std::ofstream(dir.path / "a-small.eml", std::ios::binary) << small;
  std::ofstream(dir.path / "b-big.eml", std::ios::binary) << big;
  // An mbox whose second message is over the limit.
  std::ofstream(dir.path / "box", std::ios::binary)
      << "From a@example.com Mon Jan  1 00:00:00 2024\n"
      << small << "From b@example.com Mon Jan  1 00:00:01 2024\n"
      << big << "From c@example.com Mon Jan  1 00:00:02 2024\n"
      << small;

  std::vector<std::string> read;
  std::vector<bounced::daemon::SourceError> refused;
  std::vector<std::string> spooled;  // what the error's file held while on_error ran
  bounced::daemon::for_each_message(
      {(dir.path / "a-small.eml").string(), (dir.path / "b-big.eml").string(),
       (dir.path / "box").string()},
      1024, [&](bounced::daemon::SourceMessage&& m) { read.push_back(m.name); },
      [&](const bounced::daemon::SourceError& e) {
        refused.push_back(e);
        std::ifstream in(e.file, std::ios::binary);
        spooled.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
      });
  REQUIRE(read.size() == 3);
  CHECK(read[1].ends_with("box#1"));
  CHECK(read[2].ends_with("box#3"));
  REQUIRE(refused.size() == 2);
  // The file itself: never opened for reading, quarantined from where it is.
  CHECK(refused[0].file == (dir.path / "b-big.eml").string());
  CHECK(refused[0].reason == "message size " + std::to_string(big.size()) +
                                 " bytes: over the limit limits.max_message_size = 1024");
  // The mbox entry: spooled whole to a temporary file, removed after on_error.
  CHECK(refused[1].name.ends_with("box#2"));
  CHECK(spooled[1] == big);
  CHECK_FALSE(fs::exists(refused[1].file));
}

TEST_CASE("an mbox line longer than any buffer is read without holding it twice", "[limits]") {
  TempDir dir;
  const std::string body(300 * 1024, 'z');  // one line of 300 KiB
  std::ofstream(dir.path / "box", std::ios::binary)
      << "From a@example.com Mon Jan  1 00:00:00 2024\n"
      << kHeader << "\r\n"
      << body << "\n>From here\nFrom b@example.com Mon Jan  1 00:00:01 2024\nSubject: two\n\nok\n";
  std::vector<bounced::daemon::SourceMessage> read;
  bounced::daemon::for_each_message(
      {(dir.path / "box").string()}, 1024 * 1024,
      [&](bounced::daemon::SourceMessage&& m) { read.push_back(std::move(m)); },
      [](const bounced::daemon::SourceError&) { FAIL("no error expected"); });
  REQUIRE(read.size() == 2);
  CHECK(read[0].bytes == kHeader + "\r\n" + body + "\nFrom here\n");
  CHECK(read[1].bytes == "Subject: two\n\nok\n");
}

TEST_CASE("the MIME parts limit", "[limits]") {
  MessageLimits limits;
  limits.max_mime_parts = 50;
  const auto pipeline = pipeline_with(limits);
  CHECK(pipeline.run("at", with_parts(50)).report.kind != ReportKind::error);
  const auto over = pipeline.run("over", with_parts(51));
  REQUIRE(over.report.kind == ReportKind::error);
  CHECK(over.error == "more than 50 MIME parts: over the limit limits.max_mime_parts = 50");
  // The default holds a million empty parts (a 32 MiB message could declare that many) to a
  // thousand, before GMime builds a tree of them.
  const auto flood = default_pipeline().run("flood", with_parts(200000));
  REQUIRE(flood.report.kind == ReportKind::error);
  CHECK_THAT(flood.error, Catch::Contains("limits.max_mime_parts = 1000"));
}

TEST_CASE("the nesting limit", "[limits]") {
  MessageLimits limits;
  limits.max_mime_depth = 8;
  const auto pipeline = pipeline_with(limits);
  CHECK(pipeline.run("at", nested(8)).report.kind != ReportKind::error);
  const auto over = pipeline.run("over", nested(9));
  REQUIRE(over.report.kind == ReportKind::error);
  CHECK(over.error == "multiparts nested 9 deep: over the limit limits.max_mime_depth = 8");
  // Boundaries that are never closed nest as deep as they are declared.
  std::string open = kHeader + "Content-Type: multipart/mixed; boundary=\"b0\"\r\n\r\n";
  for (int i = 0; i < 100000; ++i) {
    open += "--b" + std::to_string(i) + "\r\nContent-Type: multipart/mixed; boundary=\"b" +
            std::to_string(i + 1) + "\"\r\n\r\n";
  }
  const auto deep = default_pipeline().run("deep", open);
  REQUIRE(deep.report.kind == ReportKind::error);
  CHECK_THAT(deep.error, Catch::Contains("limits.max_mime_depth = 32"));
}

TEST_CASE("the nesting limit reads boundaries as GMime does", "[limits]") {
  MessageLimits limits;
  limits.max_mime_depth = 2;
  const auto pipeline = pipeline_with(limits);
  // Folded, RFC 2231-continued and upper-case declarations all open a multipart.
  const std::string m = kHeader +
                        "Content-Type: multipart/mixed;\r\n boundary=\"outer\"\r\n\r\n"
                        "--outer\r\nCONTENT-TYPE: Multipart/Alternative; boundary*0=in;"
                        " boundary*1=ner\r\n\r\n"
                        "--inner\r\nContent-Type: multipart/related; boundary=third\r\n\r\n"
                        "--third\r\n\r\nx\r\n--third--\r\n--inner--\r\n--outer--\r\n";
  const auto over = pipeline.run("over", m);
  REQUIRE(over.report.kind == ReportKind::error);
  CHECK_THAT(over.error, Catch::Contains("nested 3 deep"));
  // The structure of a returned original is not GMime's to parse (a leaf part), so not counted.
  const std::string report = kHeader +
                             "Content-Type: multipart/report; boundary=\"R\"\r\n\r\n"
                             "--R\r\nContent-Type: message/rfc822\r\n\r\n" +
                             "Content-Type: multipart/mixed; boundary=\"o1\"\r\n\r\n"
                             "--o1\r\nContent-Type: multipart/mixed; boundary=\"o2\"\r\n\r\n"
                             "--o2\r\n\r\nx\r\n--o2--\r\n--o1--\r\n--R--\r\n";
  CHECK(pipeline.run("original", report).report.kind != ReportKind::error);
  // A multipart with no boundary opens nothing, yet GMime makes it one more level (found by
  // fuzz_message: a misspelt "boundary" parameter at the deepest point).
  const std::string boundaryless = kHeader +
                                   "Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n"
                                   "--outer\r\nContent-Type: multipart/mixed; boundary=in\r\n\r\n"
                                   "--in\r\nContent-Type: multipart/mixed; bo_undary=x\r\n\r\n"
                                   "--x\r\n\r\nx\r\n--in--\r\n--outer--\r\n";
  const auto third = pipeline.run("boundaryless", boundaryless);
  REQUIRE(third.report.kind == ReportKind::error);
  CHECK_THAT(third.error, Catch::Contains("nested 3 deep"));
}

TEST_CASE("the header length limit, folded lines included", "[limits]") {
  MessageLimits limits;
  limits.max_header_size = 2000;
  const auto pipeline = pipeline_with(limits);
  auto with_subject = [](size_t folds) {
    std::string subject = "Subject: x";
    for (size_t i = 0; i < folds; ++i) subject += "\r\n " + std::string(97, 'w');
    return "From: a@example.com\r\n" + subject + "\r\n\r\nbody\r\n";
  };
  CHECK(pipeline.run("at", with_subject(19)).report.kind != ReportKind::error);
  const auto over = pipeline.run("over", with_subject(21));
  REQUIRE(over.report.kind == ReportKind::error);
  CHECK(over.error ==
        "a header field of more than 2000 bytes: over the limit limits.max_header_size = 2000");
  // A MIME part's header block counts as well.
  const std::string part = kHeader + "Content-Type: multipart/mixed; boundary=\"P\"\r\n\r\n" +
                           "--P\r\nContent-Type: text/plain; name=\"" + std::string(3000, 'n') +
                           "\"\r\n\r\nx\r\n--P--\r\n";
  CHECK(pipeline.run("part", part).report.kind == ReportKind::error);
}

TEST_CASE("the recipients limit", "[limits]") {
  MessageLimits limits;
  limits.max_recipients = 20;
  const auto pipeline = pipeline_with(limits);
  const auto at = pipeline.run("at", dsn_with_recipients(20));
  CHECK(at.report.kind == ReportKind::dsn);
  CHECK(at.recipients.size() == 20);
  const auto over = pipeline.run("over", dsn_with_recipients(21));
  REQUIRE(over.report.kind == ReportKind::error);
  CHECK(over.error ==
        "report names more than 20 recipients: over the limit limits.max_recipients = 20");
  // Prose bounces too.
  std::string body;
  for (int i = 0; i < 21; ++i) body += "<u" + std::to_string(i) + "@example.org>: 550 no\n";
  const auto prose =
      pipeline.run("prose", "From: MAILER-DAEMON@example.net\nSubject: failure notice\n\n" + body);
  REQUIRE(prose.report.kind == ReportKind::error);
  CHECK_THAT(prose.error, Catch::Contains("limits.max_recipients"));
}

TEST_CASE("the diagnostic limit cuts, on a UTF-8 boundary, and says so", "[limits]") {
  MessageLimits limits;
  limits.max_diagnostic_size = 100;
  const auto pipeline = pipeline_with(limits);
  // 'é' is two bytes; byte 100 falls inside one.
  std::string diagnostic = "550 5.1.1 x";
  while (diagnostic.size() < 300) diagnostic += "\xc3\xa9";
  const auto m = pipeline.run("long", dsn_with_recipients(2, diagnostic));
  REQUIRE(m.report.kind == ReportKind::dsn);
  REQUIRE(m.recipients.size() == 2);
  CHECK(m.recipients[0].status.diagnostic.size() == 99);
  CHECK(m.recipients[0].status.diagnostic == diagnostic.substr(0, 99));
  CHECK(m.recipients[0].verdict.category == bounced::rules::Category::hard);
  REQUIRE(m.report.warnings.size() == 1);
  CHECK(m.report.warnings[0] == "2 diagnostic(s) cut to 100 bytes (limits.max_diagnostic_size)");
}

TEST_CASE("the header fields limit, per header block", "[limits]") {
  MessageLimits limits;
  limits.max_header_fields = 30;
  const auto pipeline = pipeline_with(limits);
  auto with_fields = [](size_t count) {
    std::string m = "From: a@example.com\r\n";
    for (size_t i = 1; i < count; ++i) m += "X-F" + std::to_string(i) + ": y\r\n";
    return m + "\r\nbody\r\n";
  };
  CHECK(pipeline.run("at", with_fields(30)).report.kind != ReportKind::error);
  const auto over = pipeline.run("over", with_fields(31));
  REQUIRE(over.report.kind == ReportKind::error);
  CHECK(over.error ==
        "more than 30 header fields in one block: over the limit limits.max_header_fields = 30");
}

TEST_CASE("one text part is decoded to its first megabyte only, with a warning", "[limits]") {
  std::string m = kHeader + "Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n";
  // 3 MiB decoded: "550 5.1.1 <jane@example.org>: unknown\n" then filler, all base64.
  std::string text = "<jane@example.org>: 550 5.1.1 user unknown\n";
  text.resize(3 * 1024 * 1024, 'q');
  static const char* const kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string encoded;
  for (size_t i = 0; i + 2 < text.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(text[i]) << 16) |
                       (static_cast<unsigned char>(text[i + 1]) << 8) |
                       static_cast<unsigned char>(text[i + 2]);
    for (int k = 18; k >= 0; k -= 6) encoded.push_back(kAlphabet[(v >> k) & 63]);
    if (encoded.size() % 77 == 76) encoded += "\r\n";
  }
  const auto r = default_pipeline().run("big-text", m + encoded + "\r\n");
  REQUIRE(r.report.kind == ReportKind::non_dsn);
  REQUIRE(r.recipients.size() == 1);
  CHECK(r.recipients[0].status.address == "jane@example.org");
  REQUIRE(r.report.warnings.size() == 1);
  CHECK(r.report.warnings[0] == "a text/plain part was read to its first 1048576 bytes only");
}

TEST_CASE("attached messages of every message type are leaf parts, not parsed trees", "[limits]") {
  // GMime parses message/news and message/rfc2822 as messages unless told otherwise: a multipart
  // inside one would be built by GMime but never seen by the limit scan.
  MessageLimits limits;
  limits.max_mime_parts = 50;
  const auto pipeline = pipeline_with(limits);
  for (const char* type : {"message/rfc822", "message/news", "message/rfc2822", "message/global"}) {
    std::string inner = "Content-Type: multipart/mixed; boundary=\"I\"\r\n\r\n";
    for (int i = 0; i < 200; ++i) inner += "--I\r\n\r\nx\r\n";
    const std::string m = kHeader + "Content-Type: multipart/mixed; boundary=\"O\"\r\n\r\n--O\r\n" +
                          "Content-Type: " + type + "\r\n\r\n" + inner + "--I--\r\n--O--\r\n";
    auto parsed = bounced::classifiers::parse_message(m);
    REQUIRE(parsed);
    GMimeObject* top = g_mime_message_get_mime_part(parsed.get());
    REQUIRE(GMIME_IS_MULTIPART(top));
    GMimeObject* attached = g_mime_multipart_get_part(GMIME_MULTIPART(top), 0);
    INFO(type);
    CHECK_FALSE(GMIME_IS_MESSAGE_PART(attached));
    CHECK(pipeline.run("attached", m).report.kind != ReportKind::error);
  }
}
