// The listing commands as a script or a CRM reads them, against a real database filled by the
// commands themselves (the replay fixtures: send log, Postfix log, bounce mailbox): CSV and JSON
// Lines carry every value whole with RFC 3339 times, the table cuts no id, --limit and the
// totals agree, --state takes only real states, and history shows what was removed and why.
#include <sys/wait.h>

#include <array>
#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "pg_fixture.hpp"
#include "test_support.hpp"

using namespace bounced;

namespace {

const test::fs::path kReplay = test::kStoreFixtures / "replay";

struct Run {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs bounced against the test database; stdout and stderr apart.
class Cli {
 public:
  Cli(test::TestDatabase& database, const test::fs::path& dir) : dir_(dir) {
    config_ = (dir / "bounced.yaml").string();
    std::ofstream(config_) << "state_dir: state\nverp:\n  prefix: bounces\n"
                           << "  domains: [bounce.sender.example]\n"
                           << "database:\n  url: \"" << database.conninfo() << "\"\n";
  }
  Run operator()(const std::string& arguments) const {
    const auto err = dir_ / "stderr";
    const std::string command = std::string(BOUNCED_BINARY) + " " + arguments + " --config " +
                                config_ + " 2>" + err.string();
    FILE* pipe = ::popen(command.c_str(), "r");
    REQUIRE(pipe != nullptr);
    Run run;
    std::array<char, 4096> buffer{};
    size_t n = 0;
    while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
      run.out.append(buffer.data(), n);
    const int status = ::pclose(pipe);
    run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::ifstream in(err);
    run.err.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    return run;
  }

 private:
  test::fs::path dir_;
  std::string config_;
};

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// The replay fixtures through the commands, plus one send with long ids.
void fill(const Cli& bounced, const test::fs::path& dir) {
  const auto maildir = dir / "Maildir";
  for (const char* sub : {"cur", "new", "tmp"}) test::fs::create_directories(maildir / sub);
  for (const auto& entry : test::fs::directory_iterator(kReplay / "Maildir" / "new")) {
    const auto target = maildir / "new" / entry.path().filename();
    test::fs::copy_file(entry.path(), target);
    const std::string name = entry.path().filename().string();
    test::set_received(target, name.substr(0, name.find('.')));
  }
  test::fs::copy_file(kReplay / "maillog", dir / "maillog");
  std::ifstream in(kReplay / "sends.csv");
  std::string sends((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  sends +=
      "0f6c2a4e-8d1b-4c3a-9e7f-2b5d8a1c6e94-long-send-id,<long.1@app.sender.example>,,"
      "long.recipient.address@example.org,\"spring, \"\"summer\"\" and autumn campaign\","
      "acme,2026-01-12T12:00:00Z,250,2.0.0,Ok\n";
  std::ofstream(dir / "sends.csv") << sends;
  CHECK(bounced("sends import " + (dir / "sends.csv").string()).exit_code == 0);
  CHECK(bounced("maillog " + (dir / "maillog").string()).exit_code == 0);
  CHECK(bounced("ingest " + maildir.string()).exit_code == 0);
}

}  // namespace

TEST_CASE("outcomes, bounces and suppressions as CSV, JSON Lines and a table",
          "[store][cli][listing]") {
  test::TestDatabase database;
  test::ScratchDir scratch;
  const Cli bounced(database, scratch.path());
  fill(bounced, scratch.path());

  SECTION("outcomes --format jsonl carries every value whole") {
    const auto run = bounced("outcomes --format jsonl");
    REQUIRE(run.exit_code == 0);
    const auto rows = lines(run.out);
    REQUIRE(rows.size() == 18);
    size_t long_ones = 0;
    for (const auto& line : rows) {
      const auto row = nlohmann::json::parse(line);
      CHECK_THAT(row["sent_at"].get<std::string>(),
                 Catch::Matches(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)"));
      if (row["send_id"] == "0f6c2a4e-8d1b-4c3a-9e7f-2b5d8a1c6e94-long-send-id") {
        ++long_ones;
        CHECK(row["campaign"] == "spring, \"summer\" and autumn campaign");
        CHECK(row["final_state"] == "accepted");
        CHECK(row["bounce_id"].is_null());
      }
      if (row["send_id"] == "S03") {
        CHECK(row["final_state"] == "sync_hard");
        CHECK(row["message_id"] == "20260112090020.S03@app.sender.example");
        CHECK(row["queue_id"] == "4dTm03Kz9sWp");
        CHECK(row["join_method"] == "verp");
        CHECK(row["sources"] == "import,maillog");
        CHECK(row["bounce_received_at"] == "2026-01-12T09:00:22Z");
        CHECK(row["delay_seconds"] == 3);
      }
    }
    CHECK(long_ones == 1);
  }

  SECTION("outcomes --format csv quotes as RFC 4180 does") {
    const auto run = bounced(
        "outcomes --format csv --campaign "
        "'spring, \"summer\" and autumn campaign'");
    REQUIRE(run.exit_code == 0);
    const auto rows = lines(run.out);
    REQUIRE(rows.size() == 2);
    CHECK_THAT(rows[0], Catch::StartsWith("send_row_id,send_id,queue_id,message_id,recipient,"));
    CHECK_THAT(rows[1], Catch::Contains(",0f6c2a4e-8d1b-4c3a-9e7f-2b5d8a1c6e94-long-send-id,,"
                                        "long.1@app.sender.example,long.recipient.address@"
                                        "example.org,\"spring, \"\"summer\"\" and autumn "
                                        "campaign\","));
  }

  SECTION("the table cuts no id and its totals are of the rows it shows") {
    const auto all = bounced("outcomes");
    REQUIRE(all.exit_code == 0);
    CHECK_THAT(all.out, Catch::Contains("0f6c2a4e-8d1b-4c3a-9e7f-2b5d8a1c6e94-long-send-id"));
    CHECK_THAT(all.out, Catch::Contains("long.recipient.address@example.org"));
    CHECK_THAT(all.out, Catch::Contains("spring, \"summer\" and autumn campaign"));
    const auto limited = bounced("outcomes --limit 3");
    REQUIRE(limited.exit_code == 0);
    const auto rows = lines(limited.out);
    // Header, three rows, a blank line, then the totals of those three.
    REQUIRE(rows.size() >= 5);
    long total = 0;
    for (size_t i = 5; i < rows.size(); ++i) total += std::stol(rows[i].substr(rows[i].rfind(' ')));
    CHECK(total == 3);
    CHECK_THAT(limited.err, Catch::Contains("3 of 18 sends shown"));
  }

  SECTION("--state takes a real state only") {
    const auto run = bounced("outcomes --state sync_hard --format jsonl");
    CHECK(run.exit_code == 0);
    CHECK(lines(run.out).size() == 2);
    const auto bogus = bounced("outcomes --state bogus");
    CHECK(bogus.exit_code == 2);
    CHECK(bogus.out.empty());
  }

  SECTION("bounces lists every stored report with its join") {
    const auto run = bounced("bounces --format jsonl");
    REQUIRE(run.exit_code == 0);
    const auto rows = lines(run.out);
    REQUIRE(rows.size() == 15);
    size_t same = 0;
    for (const auto& line : rows) {
      const auto row = nlohmann::json::parse(line);
      same += row["same_failure"].get<bool>();
      CHECK_FALSE(row["send_id"].is_null());
    }
    CHECK(same == 9);
    const auto delayed = bounced("bounces --category delayed --format csv");
    CHECK(lines(delayed.out).size() == 2);
    const auto since = bounced("bounces --since 7d");
    CHECK(since.exit_code == 0);
    CHECK(lines(since.out).size() == 1);  // only the header: the mail is from January
  }

  SECTION("suppressions list, check, remove and history") {
    const auto list = bounced("suppressions list --format csv");
    REQUIRE(list.exit_code == 0);
    CHECK(lines(list.out).size() == 5);
    CHECK(bounced("suppressions check GONE@example.org").exit_code == 0);
    CHECK(bounced("suppressions check happy@example.com").exit_code == 1);
    CHECK(bounced("suppressions remove gone@example.org --note 'mailbox restored, ticket 4711'")
              .exit_code == 0);
    CHECK(bounced("suppressions check gone@example.org").exit_code == 1);
    const auto history = bounced("suppressions history gone@example.org --format jsonl");
    REQUIRE(history.exit_code == 0);
    const auto changes = lines(history.out);
    REQUIRE(changes.size() == 2);
    CHECK(nlohmann::json::parse(changes[0])["action"] == "suppress");
    CHECK(nlohmann::json::parse(changes[1])["action"] == "remove");
    CHECK(nlohmann::json::parse(changes[1])["note"] == "mailbox restored, ticket 4711");
    // The removed entry and its note stay listed.
    CHECK_THAT(bounced("suppressions list --all").out, Catch::Contains("mailbox restored"));
    // A replay of old mail by reclassify changes nothing.
    const auto reclassify = bounced("reclassify --since 2026-01-01");
    CHECK(reclassify.exit_code == 0);
    CHECK(bounced("suppressions check gone@example.org").exit_code == 1);
    CHECK(bounced("reclassify --since 7d").exit_code == 0);
  }
}
