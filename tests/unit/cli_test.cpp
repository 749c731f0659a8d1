// The commands as a postmaster runs them: exit codes and what they print.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <catch2/catch.hpp>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

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

namespace {

// Every sample mail once, as symlinks in one directory, `copies` times over.
void link_fixtures(const fs::path& dir, int copies) {
  int n = 0;
  for (const auto& entry : fs::recursive_directory_iterator(kFixtures)) {
    if (entry.path().extension() != ".eml" ||
        entry.path().string().find("/fuzz/") != std::string::npos) {
      continue;
    }
    for (int copy = 0; copy < copies; ++copy) {
      fs::create_symlink(entry.path(), dir / (std::to_string(copy) + "-" + std::to_string(n) + "-" +
                                              entry.path().filename().string()));
    }
    ++n;
  }
}

}  // namespace

TEST_CASE("classify -j N prints what -j 1 prints, byte for byte, with the same exit status",
          "[cli][workers]") {
  TempDir mail("jobs");
  link_fixtures(mail.path, 1);
  // An unreadable entry and a directory among the mail: reported or skipped in their place.
  fs::create_symlink(mail.path / "missing.eml", mail.path / "0-dangling.eml");
  fs::create_directories(mail.path / "5-subdirectory");
  for (const std::string format : {"jsonl", "text"}) {
    const std::string args = "classify --format " + format + " " + mail.path.string() + " " +
                             kFixtures + "/malformed " + kFixtures + "/arf";
    const Run one = run(args);
    CHECK(one.exit_code == 1);  // the malformed samples and the dangling link
    CHECK_THAT(one.output, Catch::Matchers::Contains("0-dangling.eml: No such file or directory"));
    for (const std::string jobs : {"2", "3", "64"}) {
      const Run many = run(args + " -j " + jobs);
      CHECK(many.exit_code == one.exit_code);
      CHECK(many.output == one.output);
    }
  }
}

TEST_CASE("classify -j 2 loses nothing when a worker process is killed mid-run", "[cli][workers]") {
  TempDir mail("killed");
  link_fixtures(mail.path, 12);
  const fs::path expected =
      mail.path.parent_path() / ("bounced-cli-killed-j1-" + std::to_string(::getpid()) + ".jsonl");
  const fs::path got =
      mail.path.parent_path() / ("bounced-cli-killed-j2-" + std::to_string(::getpid()) + ".jsonl");
  const Run one = run("classify --format jsonl " + mail.path.string() + " > " + expected.string());
  // The run with -j 2 is started by hand so that its workers can be found and one killed.
  const pid_t classify = ::fork();
  REQUIRE(classify >= 0);
  if (classify == 0) {
    const int out = ::open(got.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    // Both streams into the file, as the run above (its output is the file's).
    if (out < 0 || ::dup2(out, STDOUT_FILENO) < 0 || ::dup2(out, STDERR_FILENO) < 0) ::_exit(120);
    const std::string dir = mail.path.string();
    ::execl(BOUNCED_BINARY, BOUNCED_BINARY, "classify", "-j", "2", "--format", "jsonl", dir.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(121);
  }
  const std::string children =
      "/proc/" + std::to_string(classify) + "/task/" + std::to_string(classify) + "/children";
  std::vector<pid_t> workers;
  for (int tries = 0; tries < 3000 && workers.size() < 2; ++tries) {
    workers.clear();
    std::ifstream list(children);
    for (pid_t pid = 0; list >> pid;) workers.push_back(pid);
    if (workers.size() < 2) ::usleep(1'000);
  }
  REQUIRE(workers.size() == 2);
  ::usleep(30'000);  // into the run
  CHECK(::kill(workers[0], SIGKILL) == 0);
  int status = 0;
  REQUIRE(::waitpid(classify, &status, 0) == classify);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == one.exit_code);
  std::ifstream a(expected), b(got);
  const std::string expected_output{std::istreambuf_iterator<char>(a), {}};
  const std::string output{std::istreambuf_iterator<char>(b), {}};
  CHECK(output.size() == expected_output.size());
  CHECK(output == expected_output);
  fs::remove(expected);
  fs::remove(got);
}
