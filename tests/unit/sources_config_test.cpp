// bounced.yaml's daemon sections: sources, log, pipeline; defaults, and errors with their place.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "config/config.hpp"

namespace fs = std::filesystem;
using bounced::daemon::load_config;
using bounced::daemon::LogFormat;

namespace {

struct ConfigFile {
  fs::path path;
  explicit ConfigFile(const std::string& text) {
    const fs::path dir = fs::temp_directory_path() / ("bounced-cfg-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    path = dir / "bounced.yaml";
    std::ofstream(path) << text;
  }
  ~ConfigFile() { fs::remove_all(path.parent_path()); }
};

std::string all_messages(const bounced::daemon::LoadedConfig& loaded) {
  std::string text;
  for (const auto& message : loaded.messages) text += message.text + "\n";
  return text;
}

}  // namespace

TEST_CASE("sources, log and pipeline are read with their defaults", "[config]") {
  ConfigFile file(
      "ingest:\n  processed_folder: .Done\n"
      "sources:\n"
      "  - name: bounces\n    type: maildir\n    path: Maildir\n"
      "    not_bounce_folder: .Human\n    stale_claim_after: 2m\n"
      "  - name: postfix\n    type: maillog\n    path: /var/log/mail.log\n"
      "    max_open_queue_ids: 5000\n"
      "  - name: imap-main\n    type: imap\n    host: imap.example.net\n"
      "log:\n  format: json\n  level: debug\n"
      "pipeline:\n  workers: 3\n  batch_size: 250\n  commit_interval: 250ms\n"
      "  drain_timeout: 45s\n");
  const auto loaded = load_config(file.path.string());
  INFO(all_messages(loaded));
  REQUIRE(loaded.ok());
  const auto& daemon = loaded.config.daemon;
  REQUIRE(daemon.sources.size() == 3);
  CHECK(daemon.sources[0].type == "maildir");
  // Relative to the configuration file's directory.
  CHECK(daemon.sources[0].maildir.path == (file.path.parent_path() / "Maildir").string());
  CHECK_FALSE(daemon.sources[0].maildir.processed_folder.has_value());  // ingest's, later
  CHECK(daemon.sources[0].maildir.not_bounce_folder == ".Human");
  CHECK(daemon.sources[0].maildir.stale_claim_after == std::chrono::minutes(2));
  CHECK(daemon.sources[1].maillog.max_open_queue_ids == 5000);
  CHECK(daemon.sources[2].options["host"].as<std::string>() == "imap.example.net");
  CHECK(daemon.log.format == LogFormat::json);
  CHECK(daemon.log.level == "debug");
  CHECK(daemon.pipeline.workers == 3);
  CHECK(daemon.pipeline.batch_size == 250u);
  CHECK(daemon.pipeline.commit_interval == std::chrono::milliseconds(250));
  CHECK(daemon.pipeline.drain_timeout == std::chrono::seconds(45));
  CHECK(daemon.pipeline.queue_messages == 1000);  // default
}

TEST_CASE("bad source entries are errors with file:line:column", "[config]") {
  ConfigFile file(
      "sources:\n"
      "  - name: a\n    type: mailbox\n"
      "  - name: b\n    type: maildir\n"
      "  - name: b\n    type: maillog\n    path: x\n    colour: blue\n"
      "log:\n  format: xml\n"
      "pipeline:\n  commit_interval: soon\n");
  const auto loaded = load_config(file.path.string());
  const std::string text = all_messages(loaded);
  INFO(text);
  CHECK_FALSE(loaded.ok());
  const std::string where = file.path.string();
  CHECK(text.find(where + ":3:11: sources[0]: type must be maildir, imap, milter or maillog") !=
        std::string::npos);
  CHECK(text.find(where + ":4:5: sources[1]: a maildir source needs a path") != std::string::npos);
  CHECK(text.find("another source is already named 'b'") != std::string::npos);
  CHECK(text.find(where + ":9:5: unknown key 'colour' in sources[2] (ignored)") !=
        std::string::npos);
  CHECK(text.find("log.format must be logfmt or json") != std::string::npos);
  CHECK(text.find("commit_interval: not a duration") != std::string::npos);
}
