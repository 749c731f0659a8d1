// The exit-code table of bounced(8) (daemon/cli/exit_codes.hpp), one case per entry, and the
// options every command that reads mail or rules shares: --config / BOUNCED_CONFIG, --rules
// that takes one directory per use, configuration and rule-pack checks that report every error
// in one run, paths relative to the configuration file.
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

struct Outcome {
  int exit_code;
  std::string output;  // stdout and stderr together
};

Outcome bounced(const std::string& arguments, const std::string& environment = "") {
  const std::string command =
      environment + " " + std::string(BOUNCED_BINARY) + " " + arguments + " 2>&1";
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

struct Scratch {
  fs::path path;
  Scratch() {
    char pattern[] = "/tmp/bounced-exit-XXXXXX";
    path = ::mkdtemp(pattern);
    // As /tmp itself: the postgres user may pass through (config check looks).
    fs::permissions(path, fs::perms::others_exec | fs::perms::group_exec, fs::perm_options::add);
  }
  ~Scratch() { fs::remove_all(path); }
  fs::path write(const std::string& name, const std::string& text) const {
    fs::create_directories((path / name).parent_path());
    std::ofstream(path / name) << text;
    return path / name;
  }
};

const std::string kFixtures = BOUNCED_FIXTURES_DIR;
const std::string kUserUnknown = kFixtures + "/dsn/postfix-user-unknown-single-recipient.eml";

// A local rule set for the recipient's domain (consulted before the default set) that decides
// kUserUnknown otherwise than the shipped pack.
const std::string kOverride =
    "ruleset: local-example-org\ndomains: [example.org]\nrules:\n  - id: local-virtual-table\n"
    "    match: 'User unknown in virtual mailbox table'\n    category: soft\n"
    "    reason: mailbox_disabled\n"
    "    examples: ['550 5.1.1 <a@example.org>: User unknown in virtual mailbox table']\n";

}  // namespace

TEST_CASE("exit 0: done", "[cli][exit]") {
  CHECK(bounced("classify " + kUserUnknown).exit_code == 0);
  CHECK(bounced("rules check").exit_code == 0);
  CHECK(bounced("config check --config /dev/null --state-dir /tmp").exit_code == 0);
  CHECK(bounced("--help").exit_code == 0);
  CHECK(bounced("outcomes --help").exit_code == 0);
}

TEST_CASE("exit 1: some input could not be read", "[cli][exit]") {
  const auto run = bounced("classify " + kFixtures + "/malformed " + kUserUnknown);
  CHECK(run.exit_code == 1);
  CHECK_THAT(run.output, Catch::Contains("could not be read"));
}

TEST_CASE("exit 2: a bad command line, not CLI11's own codes", "[cli][exit]") {
  CHECK(bounced("classify --no-such-option " + kUserUnknown).exit_code == 2);  // CLI11: 109
  CHECK(bounced("classify").exit_code == 2);                                   // CLI11: 106
  CHECK(bounced("classify --format xml " + kUserUnknown).exit_code == 2);      // CLI11: 105
  CHECK(bounced("no-such-command").exit_code == 2);
  CHECK(bounced("outcomes --state bogus").exit_code == 2);
  CHECK_THAT(bounced("outcomes --state bogus").output,
             Catch::Contains("one of accepted, pending, deferred"));
  CHECK(bounced("reclassify --since yesterday").exit_code == 2);
  CHECK(bounced("bounces --since 7 days").exit_code == 2);
}

TEST_CASE("exit 2: a bad configuration or rule pack", "[cli][exit]") {
  Scratch scratch;
  const auto bad = scratch.write("bad.yaml", "join:\n  window: a week\n");
  CHECK(bounced("config check --config " + bad.string()).exit_code == 2);
  CHECK(bounced("classify --config " + bad.string() + " " + kUserUnknown).exit_code == 2);
  CHECK(bounced("outcomes --config " + bad.string()).exit_code == 2);
  CHECK(bounced("classify " + kUserUnknown, "BOUNCED_CONFIG=" + bad.string()).exit_code == 2);
  scratch.write("broken/local.yaml",
                "ruleset: local\nrules:\n  - id: broken\n    match: '(unclosed'\n"
                "    reason: mailbox_full\n    examples: ['552 full']\n");
  CHECK(bounced("rules check " + (scratch.path / "broken").string()).exit_code == 2);
  CHECK(bounced("classify --rules " + (scratch.path / "broken").string() + " " + kUserUnknown)
            .exit_code == 2);
}

TEST_CASE("exit 3: the database cannot be reached", "[cli][exit]") {
  const auto run = bounced("outcomes --database 'host=/nonexistent/socket dbname=bounced'");
  CHECK(run.exit_code == 3);
  CHECK(bounced("suppressions check a@example.org --database "
                "'host=/nonexistent/socket dbname=bounced'")
            .exit_code == 3);
}

TEST_CASE("bounced(8) documents each exit status the code uses", "[cli][exit]") {
  std::ifstream in(std::string(BOUNCED_SOURCE_DIR) + "/packaging/man/bounced.8");
  const std::string page((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto section = page.substr(page.find(".SH EXIT STATUS"));
  const auto table = section.substr(0, section.find(".SH", 4));
  for (const char* entry : {".B 0\n", ".B 1\n", ".B 2\n", ".B 3\n"}) {
    INFO(entry);
    CHECK_THAT(table, Catch::Contains(entry));
  }
}

TEST_CASE("classify, explain, unknowns and rules check use the configured rules", "[cli][config]") {
  Scratch scratch;
  scratch.write("etc/rules.d/override.yaml", kOverride);
  // rules.dirs relative to the configuration file, not to where bounced runs.
  const auto config = scratch.write("etc/bounced.yaml", "rules:\n  dirs: [rules.d]\n");
  const auto shipped = bounced("classify --format jsonl " + kUserUnknown);
  CHECK_THAT(shipped.output, Catch::Contains("\"category\":\"hard\""));
  const auto configured =
      bounced("classify --format jsonl --config " + config.string() + " " + kUserUnknown);
  CHECK(configured.exit_code == 0);
  CHECK_THAT(configured.output, Catch::Contains("\"category\":\"soft\""));
  CHECK_THAT(configured.output, Catch::Contains("\"reason\":\"mailbox_disabled\""));
  const auto from_environment =
      bounced("classify --format jsonl " + kUserUnknown, "BOUNCED_CONFIG=" + config.string());
  CHECK_THAT(from_environment.output, Catch::Contains("\"reason\":\"mailbox_disabled\""));
  CHECK_THAT(bounced("explain --config " + config.string() + " " + kUserUnknown).output,
             Catch::Contains("verdict: soft/mailbox_disabled"));
  // The shipped pack is loaded first: its other rules still decide what the override does not.
  const auto check = bounced("rules check --config " + config.string());
  CHECK(check.exit_code == 0);
  CHECK_THAT(check.output, Catch::StartsWith("ok: "));
  CHECK(bounced("unknowns --config " + config.string() + " " + kUserUnknown).exit_code == 0);
}

TEST_CASE("every --rules takes one directory and leaves the paths alone", "[cli][config]") {
  Scratch scratch;
  scratch.write("local/override.yaml", kOverride);
  const std::string shipped = std::string(BOUNCED_SOURCE_DIR) + "/rules/default";
  const auto run = bounced("classify --format jsonl --rules " + shipped + " --rules " +
                           (scratch.path / "local").string() + " " + kUserUnknown + " " +
                           kFixtures + "/dsn/postfix-user-unknown-single-recipient.eml");
  CHECK(run.exit_code == 0);
  // Both files were read as mail (two lines), not taken as rule directories.
  CHECK(std::count(run.output.begin(), run.output.end(), '\n') == 2);
  CHECK_THAT(run.output, Catch::Contains("\"reason\":\"mailbox_disabled\""));
}

TEST_CASE("rules check reports every error of a pack in one run", "[cli][rules]") {
  Scratch scratch;
  scratch.write("pack/a-regex.yaml",
                "ruleset: a\nrules:\n  - id: bad-regex\n    match: '(unclosed'\n"
                "    reason: mailbox_full\n    examples: ['552 full']\n");
  scratch.write("pack/b-reason.yaml",
                "ruleset: b\nrules:\n  - id: bad-reason\n    match: 'frobnicated'\n"
                "    reason: no_such_reason\n    examples: ['550 frobnicated']\n");
  scratch.write("pack/c-example.yaml",
                "ruleset: c\nrules:\n  - id: bad-example\n    match: 'mailbox is full'\n"
                "    reason: mailbox_full\n    examples: ['552 quota exceeded']\n");
  const auto run = bounced("rules check " + (scratch.path / "pack").string());
  CHECK(run.exit_code == 2);
  CHECK_THAT(run.output, Catch::Contains("rule 'bad-regex': invalid regex"));
  CHECK_THAT(run.output, Catch::Contains("unknown reason 'no_such_reason'"));
  CHECK_THAT(run.output, Catch::Contains("rule 'bad-example': example does not match"));
  CHECK_THAT(run.output, Catch::Contains("3 error(s)"));
}

TEST_CASE("config check reports every error in one run, with paths from the file's directory",
          "[cli][config]") {
  Scratch scratch;
  scratch.write("etc/broken-rules/x.yaml",
                "ruleset: x\nrules:\n  - id: x\n    match: '(oops'\n    reason: mailbox_full\n"
                "    examples: ['552 full']\n");
  const auto config = scratch.write("etc/bounced.yaml",
                                    "state_dir: state\n"
                                    "rules:\n  dirs: [rules.d, broken-rules]\n"
                                    "join:\n  window: a week\n"
                                    "suppression:\n  complaint_reasons: [abuse, spam]\n");
  const auto run = bounced("config check --config " + config.string());
  CHECK(run.exit_code == 2);
  // The missing directory, named as the file resolves it (next to the file).
  CHECK_THAT(run.output,
             Catch::Contains("bounced.yaml:3:10: rules.dirs: " +
                             (scratch.path / "etc" / "rules.d").string() + " is not a directory"));
  CHECK_THAT(run.output, Catch::Contains("bounced.yaml:5:11: window: not a duration"));
  CHECK_THAT(run.output, Catch::Contains("'spam' is not a complaint reason"));
  CHECK_THAT(run.output, Catch::Contains("rule 'x': invalid regex"));
  CHECK_THAT(run.output, Catch::Contains("4 error(s)"));

  const auto good = scratch.write("etc/good.yaml", "state_dir: state\n");
  const auto ok = bounced("config check --config " + good.string());
  CHECK(ok.exit_code == 0);
  CHECK_THAT(ok.output,
             Catch::Contains("embedded under " + (scratch.path / "etc" / "state").string()));
}

TEST_CASE("a state directory the postgres user cannot enter is named with the fix",
          "[cli][config]") {
  if (::geteuid() != 0) {
    WARN("not root: the embedded cluster runs as the calling user, nothing to check");
    return;
  }
  Scratch scratch;
  const auto closed = scratch.path / "private";
  fs::create_directories(closed);
  fs::permissions(closed, fs::perms::owner_all);  // 0700, owned by root
  const auto run = bounced("outcomes --state-dir " + (closed / "state").string());
  CHECK(run.exit_code == 3);
  CHECK_THAT(run.output,
             Catch::Contains(closed.string() + ": the postgres user cannot enter this directory"));
  CHECK_THAT(run.output, Catch::Contains("chmod o+x " + closed.string()));
  const auto check =
      bounced("config check --config /dev/null --state-dir " + (closed / "state").string());
  CHECK(check.exit_code == 2);
  CHECK_THAT(check.output, Catch::Contains("the postgres user cannot enter"));
}
