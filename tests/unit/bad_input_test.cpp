// Bad input never crashes the parser: each gets one clear error, and the next message is read.
#include <catch2/catch.hpp>
#include <random>

#include "cli/runtime.hpp"

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

std::string dsn_header() {
  return "From: MAILER-DAEMON@mx.example.net\r\n"
         "To: sender@example.com\r\n"
         "Subject: Undelivered Mail Returned to Sender\r\n"
         "MIME-Version: 1.0\r\n"
         "Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n";
}

}  // namespace

TEST_CASE("an empty message is an error", "[bad_input]") {
  const auto m = pipeline().run("empty", "");
  CHECK(m.report.kind == ReportKind::error);
  CHECK(m.error == "empty message");
}

TEST_CASE("random bytes are an error, not a crash", "[bad_input]") {
  std::mt19937 random(42);
  for (int round = 0; round < 50; ++round) {
    std::string bytes(1 + random() % 4096, '\0');
    for (auto& c : bytes) c = static_cast<char>(random());
    const auto m = pipeline().run("garbage", bytes);
    CHECK(m.report.kind == ReportKind::error);
  }
}

TEST_CASE("NUL bytes in the header block are refused with the reason", "[bad_input]") {
  std::string bytes = "From: a@example.com\nSubject: x";
  bytes.push_back('\0');
  bytes += "y\n\nbody\n";
  const auto m = pipeline().run("nul", bytes);
  CHECK(m.report.kind == ReportKind::error);
  CHECK(m.error.find("NUL") != std::string::npos);
}

TEST_CASE("NUL bytes in a body are survived", "[bad_input]") {
  std::string bytes =
      "From: MAILER-DAEMON@example.net\nSubject: failure notice\n\n<a@example.org>:\n550 5.1.1 no";
  bytes.push_back('\0');
  bytes += " such user\n";
  const auto m = pipeline().run("nul-body", bytes);
  CHECK(m.report.kind != ReportKind::error);
}

TEST_CASE("a message over the size limit is refused unread", "[bad_input]") {
  // 50 MB, generated here rather than kept in git.
  std::string big = dsn_header() + "--B\r\nContent-Type: text/plain\r\n\r\n";
  big.append(50u * 1024 * 1024, 'x');
  const auto m = pipeline().run("huge", big);
  CHECK(m.report.kind == ReportKind::error);
  CHECK(m.error.find("over the limit") != std::string::npos);
}

TEST_CASE("a multipart/report cut off in its report part still yields what it holds",
          "[bad_input]") {
  const std::string cut =
      dsn_header() +
      "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
      "Reporting-MTA: dns; mx.example.net\r\n\r\n"
      "Final-Recipient: rfc822; jane@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n"
      "Diagnostic-Code: smtp; 550 5.1.1 us";
  const auto m = pipeline().run("truncated", cut);
  REQUIRE(m.report.kind == ReportKind::dsn);
  REQUIRE(m.report.warnings.size() == 1);
  CHECK(m.report.warnings[0].starts_with("truncated"));
  REQUIRE(m.recipients.size() == 1);
  CHECK(m.recipients[0].status.address == "jane@example.org");
  CHECK(m.recipients[0].status.status == "5.1.1");
}

TEST_CASE("bounded input: 10,000 repeated tokens and deep nesting", "[bad_input]") {
  SECTION("a diagnostic of 10,000 addresses") {
    std::string body;
    for (int i = 0; i < 10000; ++i) body += "<u" + std::to_string(i) + "@example.org>: 550 no\n";
    const auto m = pipeline().run(
        "many", "From: MAILER-DAEMON@example.net\nSubject: failure notice\n\n" + body);
    // Read in linear time, then refused before anything is classified: over limits.max_recipients.
    CHECK(m.report.kind == ReportKind::error);
    CHECK_THAT(m.error, Catch::Contains("report names more than 1000 recipients"));
  }
  SECTION("multiparts nested 500 deep") {
    std::string bytes =
        "From: a@example.com\nMIME-Version: 1.0\nContent-Type: multipart/mixed; "
        "boundary=\"b0\"\n\n";
    for (int i = 0; i < 500; ++i) {
      bytes += "--b" + std::to_string(i) + "\nContent-Type: multipart/mixed; boundary=\"b" +
               std::to_string(i + 1) + "\"\n\n";
    }
    const auto m = pipeline().run("deep", bytes);
    CHECK(m.report.kind == ReportKind::error);
    CHECK_THAT(m.error, Catch::Contains("limits.max_mime_depth"));
  }
}
