// The daemon's log lines: logfmt quoting and JSON, with the fixed fields first.
#include "log/event_log.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using bounced::daemon::LogFormat;
using bounced::daemon::log::format_event;
using bounced::daemon::log::LogLevel;

TEST_CASE("logfmt lines quote what needs quoting and nothing else", "[log]") {
  const std::string line =
      format_event(LogFormat::logfmt, LogLevel::info, "2026-11-24T10:00:00.123Z", "stored",
                   {{"source", "bounces"},
                    {"name", "1767.M1P2.host:2,S"},
                    {"verdicts", "a@example.org=hard/user_unknown b@example.net=soft/greylisted"},
                    {"error", "say \"no\"\nthen \\ leave"},
                    {"empty", ""},
                    {"count", 3},
                    {"ok", true}});
  CHECK(line ==
        "ts=2026-11-24T10:00:00.123Z level=info event=stored source=bounces "
        "name=1767.M1P2.host:2,S "
        "verdicts=\"a@example.org=hard/user_unknown b@example.net=soft/greylisted\" "
        "error=\"say \\\"no\\\"\\nthen \\\\ leave\" empty=\"\" count=3 ok=true");
}

TEST_CASE("JSON lines are one object with ts, level and event first", "[log]") {
  const std::string line =
      format_event(LogFormat::json, LogLevel::warning, "2026-11-24T10:00:00.123Z", "quarantined",
                   {{"name", "bad\xff"}, {"bytes", 12}});
  CHECK(line.find('\n') == std::string::npos);
  CHECK(line.starts_with(R"({"ts":"2026-11-24T10:00:00.123Z","level":"warning","event":)"));
  const auto parsed = nlohmann::json::parse(line);  // invalid UTF-8 replaced, still JSON
  CHECK(parsed["event"] == "quarantined");
  CHECK(parsed["bytes"] == 12);
}

TEST_CASE("logfmt text from other code is read back into fields", "[log]") {
  std::vector<std::pair<std::string, std::string>> pairs;
  REQUIRE(bounced::daemon::log::parse_logfmt(
      R"(source=imap-main event=imap_connect_failed error="connect to \"x\" failed" retry_in=1s)",
      pairs));
  REQUIRE(pairs.size() == 4);
  CHECK(pairs[1] == std::pair<std::string, std::string>("event", "imap_connect_failed"));
  CHECK(pairs[2].second == "connect to \"x\" failed");
  CHECK_FALSE(bounced::daemon::log::parse_logfmt("plain words, no pairs", pairs));
  CHECK_FALSE(bounced::daemon::log::parse_logfmt("key=\"unterminated", pairs));
}
