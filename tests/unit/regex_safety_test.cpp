// Regex safety with the shipped rule pack: a diagnostic made of megabytes of near-matches (each
// rule's own examples with their ends changed, so that automata run deep before failing) costs
// time linear in its length, and what the rules are fed is bounded anyway: the diagnostic is cut
// to limits.max_diagnostic_size, a text part to its first MiB. Times are this thread's CPU time,
// so a busy machine does not make the test flaky; the bounds have a wide margin (sanitizer
// builds run these too).
#include <time.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>

#include "cli/runtime.hpp"

using bounced::classifiers::ReportKind;

namespace {

double cpu_seconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
}

const bounced::daemon::Pipeline& pipeline() {
  static const auto built = [] {
    auto made = bounced::daemon::cli::build_pipeline({});
    REQUIRE(made.has_value());
    return std::move(*made);
  }();
  return built;
}

// Every example of every shipped rule, changed near its end (last word reversed, a letter
// doubled): each nearly matches its rule and fails late. Repeated up to `size` bytes.
std::string near_misses(size_t size) {
  std::string one_round;
  for (const auto& set : pipeline().classifier().sets()) {
    for (const auto& rule : set.rules) {
      for (std::string example : rule.examples) {
        const size_t space = example.find_last_of(' ');
        if (space != std::string::npos && space + 1 < example.size()) {
          std::reverse(example.begin() + static_cast<std::ptrdiff_t>(space) + 1, example.end());
        }
        if (!example.empty()) example.insert(example.size() / 2, 1, example[example.size() / 2]);
        // Addresses in examples would be more recipients of the prose report below; this is
        // about what the rules cost, so they are spelled out.
        for (size_t at = example.find('@'); at != std::string::npos; at = example.find('@', at)) {
          example.replace(at, 1, " at ");
        }
        one_round += example;
        one_round += ' ';
      }
    }
  }
  REQUIRE(one_round.size() > 10000);  // the pack has examples to build from
  std::string text;
  text.reserve(size + one_round.size());
  while (text.size() < size) text += one_round;
  text.resize(size);
  return text;
}

double classify_seconds(const std::string& diagnostic) {
  bounced::rules::ClassifyInput input;
  input.recipient_domain = "example.org";
  input.status = "5.0.0";
  input.reply_code = "550";
  input.diagnostic = diagnostic;
  const double start = cpu_seconds();
  (void)pipeline().classifier().classify(input);
  return cpu_seconds() - start;
}

}  // namespace

TEST_CASE("the shipped pack classifies megabytes of near-matches in linear time", "[regex]") {
  const std::string small = near_misses(1024 * 1024);
  const std::string large = near_misses(4 * 1024 * 1024);
  classify_seconds(small);  // the automata's states for this text are built once
  const double one = classify_seconds(small);
  const double four = classify_seconds(large);
  INFO("1 MiB: " << one << " s, 4 MiB: " << four << " s of CPU");
  CHECK(four < 10.0);
  // Linear: four times the text, about four times the time (a backtracking engine would not
  // finish). Generous for timer noise on small figures.
  CHECK(four < 8 * one + 0.05);
}

TEST_CASE("a message whose diagnostic is megabytes of near-matches is bounded", "[regex]") {
  const std::string diagnostic = near_misses(4 * 1024 * 1024);
  const std::string dsn =
      "From: MAILER-DAEMON@mx.example.net\r\nTo: sender@example.com\r\n"
      "Subject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\n"
      "Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n"
      "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.net\r\n"
      "\r\nFinal-Recipient: rfc822; jane@example.org\r\nAction: failed\r\nStatus: 5.0.0\r\n"
      "Diagnostic-Code: smtp; 550 " +
      diagnostic + "\r\n\r\n--B--\r\n";
  const std::string prose =
      "From: MAILER-DAEMON@mx.example.net\r\nTo: sender@example.com\r\n"
      "Subject: failure notice\r\n\r\n<jane@example.org>:\r\n550 " +
      diagnostic + "\r\n";
  for (const auto* message : {&dsn, &prose}) {
    const double start = cpu_seconds();
    const auto result = pipeline().run("pathological", *message);
    const double seconds = cpu_seconds() - start;
    INFO("whole message: " << seconds << " s of CPU");
    REQUIRE(result.report.kind != ReportKind::error);
    REQUIRE(result.recipients.size() == 1);
    // The size bound on what the rules see: at most limits.max_diagnostic_size bytes.
    CHECK(result.recipients[0].status.diagnostic.size() <=
          bounced::classifiers::MessageLimits{}.max_diagnostic_size);
    CHECK(seconds < 10.0);
  }
}
