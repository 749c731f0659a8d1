// Invariants that hold for every fixture mail, whatever its expectation file says (issue 7):
// 1. delivered only from a DSN action delivered/relayed/expanded (or an SES delivery notice),
//    and a recipient that did not succeed never carries a 2xx code;
// 6. an auto-reply names its sender only, with no status;
// 10. a prose bounce's recipients each come with the text that explains them.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/runtime.hpp"

namespace fs = std::filesystem;
using bounced::classifiers::ReportKind;
using bounced::rules::Category;

namespace {

std::string read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

bool succeeded(const std::string& action) {
  return action == "delivered" || action == "relayed" || action == "expanded";
}

}  // namespace

TEST_CASE("every fixture keeps the parsing invariants", "[invariants]") {
  auto built = bounced::daemon::cli::build_pipeline({});
  REQUIRE(built.has_value());
  size_t mails = 0;
  for (const auto& entry : fs::recursive_directory_iterator(BOUNCED_FIXTURES_DIR)) {
    if (entry.path().extension() != ".eml") continue;
    ++mails;
    const std::string name = entry.path().filename().string();
    const auto m = built->run(name, read_all(entry.path()));
    for (const auto& r : m.recipients) {
      INFO(entry.path().string() << " recipient " << r.status.address);
      if (r.verdict.category == Category::delivered) CHECK(succeeded(r.status.action));
      if (!succeeded(r.status.action)) {
        CHECK_FALSE(r.status.reply_code.starts_with("2"));
        CHECK_FALSE(r.status.status.starts_with("2"));
      }
      if (m.report.kind == ReportKind::auto_reply) {
        CHECK(r.status.status.empty());
        CHECK(r.verdict.category == Category::auto_reply);
      }
      if (m.report.kind == ReportKind::non_dsn) CHECK_FALSE(r.status.diagnostic.empty());
    }
    if (m.report.kind == ReportKind::auto_reply) CHECK(m.recipients.size() <= 1);
  }
  CHECK(mails >= 100);
}
