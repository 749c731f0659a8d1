// Table-driven: every SMTP reply in tests/fixtures/semantics/replies.yaml is classified with the
// shipped rule pack, its code, status and command read the way the parser reads them, and must get
// the category (and reason, where given) the table says. A new case is one line of YAML.
#include <yaml-cpp/yaml.h>

#include <catch2/catch.hpp>
#include <string>

#include "classifier.hpp"
#include "smtp_command.hpp"
#include "smtp_reply.hpp"

using namespace bounced::rules;

namespace {

const Classifier& shipped_pack() {
  static const BuiltClassifier built =
      build_classifier({std::string(BOUNCED_SOURCE_DIR) + "/rules/default"});
  REQUIRE(built.classifier);
  return *built.classifier;
}

std::string field(const YAML::Node& entry, const char* key, std::string fallback = {}) {
  return entry[key] ? entry[key].as<std::string>() : fallback;
}

}  // namespace

TEST_CASE("SMTP replies get the verdict the semantics table gives", "[rules][semantics][table]") {
  const YAML::Node table =
      YAML::LoadFile(std::string(BOUNCED_FIXTURES_DIR) + "/semantics/replies.yaml");
  REQUIRE(table.IsSequence());
  REQUIRE(table.size() >= 200);
  const Classifier& classifier = shipped_pack();
  size_t failures = 0;
  for (const YAML::Node& entry : table) {
    const std::string text = field(entry, "text");
    const std::string domain = field(entry, "domain", "example.org");
    const std::string host = field(entry, "host");
    const SmtpReply reply = find_smtp_reply(text);
    const std::string status = field(entry, "status", reply.status);
    const std::string command = find_smtp_command(text);
    ClassifyInput input;
    input.recipient_domain = domain;
    input.status = status;
    input.reply_code = reply.reply_code;
    input.command = command;
    input.diagnostic = text;
    if (!host.empty()) input.hosts.push_back(host);
    const Verdict verdict = classifier.classify(input);

    const std::string expected_category = field(entry, "category");
    const std::string expected_reason = field(entry, "reason");
    const bool ok = to_string(verdict.category) == expected_category &&
                    (expected_reason.empty() || verdict.reason == expected_reason);
    if (!ok) {
      ++failures;
      FAIL_CHECK("line " << entry.Mark().line + 1 << ": \"" << text << "\"\n  expected "
                         << expected_category << "/"
                         << (expected_reason.empty() ? "*" : expected_reason) << ", got "
                         << to_string(verdict.category) << "/" << verdict.reason << " by "
                         << verdict.rule << " (status " << status << ", reply " << reply.reply_code
                         << ", command " << command << ")");
    }
  }
  CHECK(failures == 0);
}
