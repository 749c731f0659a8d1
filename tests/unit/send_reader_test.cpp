// Send-log reading without a database: malformed JSON Lines are bad records with their line
// numbers, never an exception that ends the import.
#include "send_reader.hpp"

#include <catch2/catch.hpp>
#include <sstream>

TEST_CASE("a JSON number no double holds is a bad line, not a crash", "[sends]") {
  // Found with the send_record fuzz target's inputs: nlohmann's out_of_range escaped the reader
  // (only parse_error was caught) and ended `bounced sends import`.
  std::istringstream in(
      "{\"recipient\":\"jane@example.org\",\"sent_at\":1e400}\n"
      "{\"recipient\":\"tom@example.org\",\"sent_at\":\"2026-01-08T09:00:00Z\",\"n\":[1e400]}\n"
      "{\"send_id\":\"S-3\",\"recipient\":\"ann@example.org\",\"sent_at\":\"2026-01-08T09:00:00Z\"}"
      "\n");
  std::vector<std::string> recipients, errors;
  bounced::store::read_sends(
      in, bounced::store::SendFormat::jsonl, 10,
      [&](std::vector<bounced::store::SendRecord>& batch) {
        for (const auto& r : batch) recipients.push_back(r.recipient);
        return true;
      },
      [&](const bounced::store::SendReadError& e) { errors.push_back(e.to_string("f")); });
  CHECK(recipients == std::vector<std::string>{"ann@example.org"});
  REQUIRE(errors.size() == 2);
  CHECK_THAT(errors[0], Catch::StartsWith("f:1: not JSON"));
  CHECK_THAT(errors[1], Catch::StartsWith("f:2: not JSON"));
}
