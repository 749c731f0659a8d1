// Intake: every kind of PATH that `bounced classify` takes.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "intake/message_source.hpp"

namespace fs = std::filesystem;
using bounced::daemon::for_each_message;
using bounced::daemon::SourceError;
using bounced::daemon::SourceMessage;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("bounced-intake-" + std::to_string(::getpid()) + "-" +
                                        std::to_string(reinterpret_cast<uintptr_t>(this)));
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
};

void write(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

std::vector<SourceMessage> collect(const std::vector<std::string>& paths,
                                   std::vector<SourceError>* errors = nullptr) {
  std::vector<SourceMessage> out;
  for_each_message(
      paths, 32 * 1024 * 1024, [&](SourceMessage&& m) { out.push_back(std::move(m)); },
      [&](const SourceError& e) {
        if (errors) errors->push_back(e);
      });
  return out;
}

}  // namespace

TEST_CASE("a Maildir is read from cur/ and new/, skipping its bookkeeping", "[intake]") {
  TempDir dir;
  write(dir.path / "new" / "1.host", "Subject: one\n\nbody\n");
  write(dir.path / "cur" / "2.host:2,S", "Subject: two\n\nbody\n");
  write(dir.path / "tmp" / "3.host", "Subject: partial\n\n");
  write(dir.path / "dovecot-uidlist", "3 V1 N4\n");
  const auto messages = collect({dir.path.string()});
  REQUIRE(messages.size() == 2);
  CHECK(messages[0].bytes.find("two") != std::string::npos);
  CHECK(messages[1].bytes.find("one") != std::string::npos);
}

TEST_CASE("an mbox is split at From_ lines and >From is unquoted", "[intake]") {
  TempDir dir;
  write(dir.path / "box",
        "From a@example.com Mon Jan  1 00:00:00 2024\nSubject: one\n\nhello\n>From the start\n\n"
        "From b@example.com Mon Jan  1 00:00:01 2024\nSubject: two\n\nbye\n");
  const auto messages = collect({(dir.path / "box").string()});
  REQUIRE(messages.size() == 2);
  CHECK(messages[0].name.ends_with("box#1"));
  CHECK(messages[0].bytes.find("\nFrom the start") != std::string::npos);
  CHECK(messages[1].bytes.starts_with("Subject: two"));
}

TEST_CASE("a missing path is reported and the rest are still read", "[intake]") {
  TempDir dir;
  write(dir.path / "a.eml", "Subject: a\n\n");
  std::vector<SourceError> errors;
  const auto messages =
      collect({(dir.path / "missing.eml").string(), (dir.path / "a.eml").string()}, &errors);
  CHECK(messages.size() == 1);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].name.ends_with("missing.eml"));
}

TEST_CASE("a plain directory is read in name order, skipping sidecar files", "[intake]") {
  TempDir dir;
  write(dir.path / "b.eml", "Subject: b\n\n");
  write(dir.path / "a.eml", "Subject: a\n\n");
  write(dir.path / "a.json", "{}");
  const auto messages = collect({dir.path.string()});
  REQUIRE(messages.size() == 2);
  CHECK(messages[0].name.ends_with("a.eml"));
}
