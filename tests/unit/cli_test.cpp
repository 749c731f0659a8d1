// The commands as a postmaster runs them: exit codes and what they print.
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace fs = std::filesystem;

namespace {

struct Run {
  int exit_code;
  std::string output;  // stdout and stderr together
};

Run run(const std::string& arguments) {
  const std::string command = std::string(BOUNCED_BINARY) + " " + arguments + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string output;
  std::array<char, 4096> buffer{};
  size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
    output.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

struct TempDir {
  fs::path path;
  explicit TempDir(const std::string& name)
      : path(fs::temp_directory_path() /
             ("bounced-cli-" + name + "-" + std::to_string(::getpid()))) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  void write(const std::string& file, const std::string& text) const {
    std::ofstream(path / file) << text;
  }
};

const std::string kFixtures = BOUNCED_FIXTURES_DIR;

}  // namespace

TEST_CASE("rules check passes the shipped pack and names file:line for a broken one", "[cli]") {
  const Run shipped = run("rules check");
  CHECK(shipped.exit_code == 0);
  CHECK_THAT(shipped.output, Catch::Matchers::StartsWith("ok: "));

  TempDir pack("broken");
  pack.write("local.yaml",
             "ruleset: local\nrules:\n  - id: local-quota\n    match: '(over quota'\n"
             "    reason: mailbox_full\n    examples: ['552 over quota']\n");
  const Run broken = run("rules check " + pack.path.string());
  CHECK(broken.exit_code == 2);
  CHECK_THAT(broken.output,
             Catch::Matchers::Contains("local.yaml:3:5: rule 'local-quota': invalid regex"));
}

TEST_CASE("rules diff lists the verdicts a candidate pack changes", "[cli]") {
  TempDir candidate("candidate");
  // Everything that says "user unknown" becomes soft in the candidate.
  candidate.write(
      "00-soft.yaml",
      "ruleset: soften\nrules:\n  - id: soften-unknown\n    match: 'user unknown'\n"
      "    category: soft\n    reason: mailbox_disabled\n    examples: ['550 User unknown']\n");
  const std::string shipped = std::string(BOUNCED_SOURCE_DIR) + "/rules/default";
  const Run diff =
      run("rules diff --old " + shipped + " --new " + candidate.path.string() + " --new " +
          shipped + " " + kFixtures + "/dsn/postfix-user-unknown-single-recipient.eml");
  CHECK(diff.exit_code == 0);
  CHECK_THAT(diff.output, Catch::Matchers::Contains("hard/user_unknown"));
  CHECK_THAT(diff.output, Catch::Matchers::Contains("-> soft/mailbox_disabled (soften-unknown)"));
  CHECK_THAT(diff.output, Catch::Matchers::Contains("1 of 1 verdicts change"));
}

TEST_CASE("explain shows the consulted sets, the deciding rule and the matched text", "[cli]") {
  const Run explain =
      run("explain " + kFixtures + "/dsn/postfix-user-unknown-single-recipient.eml");
  CHECK(explain.exit_code == 0);
  CHECK_THAT(explain.output, Catch::Matchers::Contains("consulted: default set: matched"));
  CHECK_THAT(explain.output, Catch::Matchers::Contains("verdict: hard/user_unknown"));
  CHECK_THAT(explain.output, Catch::Matchers::Contains("matched: \""));
}

TEST_CASE("unknowns groups unmatched diagnostics with addresses masked", "[cli]") {
  TempDir mail("unknowns");
  for (int i = 0; i < 3; ++i) {
    mail.write("m" + std::to_string(i) + ".eml",
               "From: MAILER-DAEMON@mx.example.net\nSubject: failure notice\n\n<user" +
                   std::to_string(i) + "@example.org>:\n599 the frobnicator is sulking, ticket " +
                   std::to_string(1000 + i) + "\n");
  }
  const Run unknowns = run("unknowns " + mail.path.string());
  CHECK(unknowns.exit_code == 0);
  CHECK_THAT(unknowns.output, Catch::Matchers::Contains("3\t"));
  CHECK_THAT(unknowns.output, Catch::Matchers::Contains("frobnicator is sulking, ticket <n>"));
}

TEST_CASE("classify exits 1 when a message could not be read, and goes on", "[cli]") {
  const Run classify = run("classify --format jsonl " + kFixtures + "/malformed " + kFixtures +
                           "/dsn/postfix-user-unknown-single-recipient.eml");
  CHECK(classify.exit_code == 1);
  CHECK_THAT(classify.output, Catch::Matchers::Contains("\"kind\":\"error\""));
  CHECK_THAT(classify.output, Catch::Matchers::Contains("message(s) could not be read"));
  CHECK_THAT(classify.output, Catch::Matchers::Contains("\"category\":\"hard\""));
}
