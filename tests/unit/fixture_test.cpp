// Table-driven: every tests/fixtures/<family>/<what>.eml with a .json beside it is parsed and
// classified, and the result is compared with the expectation (a subset of the jsonl output; see
// tests/fixtures/README.md). A new sample needs no code.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/runtime.hpp"
#include "report_json.hpp"
#include "text_util.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

const bounced::daemon::Pipeline& shared_pipeline() {
  static const auto pipeline = [] {
    bounced::daemon::cli::PipelineOptions options;
    options.original_headers = {"X-Campaign-Id", "X-Bounced-Send-Id"};
    auto built = bounced::daemon::cli::build_pipeline(options);
    REQUIRE(built.has_value());
    return std::move(*built);
  }();
  return pipeline;
}

std::string lower_domain(const std::string& address) {
  return bounced::classifiers::normalize_address(address).empty()
             ? address
             : bounced::classifiers::normalize_address(address);
}

void compare_recipient(const json& expected, const json& actual, const std::string& where) {
  for (const auto& [key, value] : expected.items()) {
    INFO(where << " recipient key " << key);
    if (key == "diagnostic_contains") {
      CHECK_THAT(actual.value("diagnostic", std::string()),
                 Catch::Matchers::Contains(value.get<std::string>()));
    } else if (key == "address") {
      CHECK(lower_domain(actual.value("address", std::string())) ==
            lower_domain(value.get<std::string>()));
    } else {
      CHECK(actual.value(key, json()) == value);
    }
  }
}

}  // namespace

TEST_CASE("fixtures parse and classify as their expectations say", "[fixtures]") {
  const fs::path root = BOUNCED_FIXTURES_DIR;
  std::vector<fs::path> samples;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.path().extension() == ".eml" &&
        fs::exists(fs::path(entry.path()).replace_extension(".json"))) {
      samples.push_back(entry.path());
    }
  }
  std::sort(samples.begin(), samples.end());
  REQUIRE(samples.size() >= 60);
  for (const auto& sample : samples) {
    const std::string name = fs::relative(sample, root).string();
    DYNAMIC_SECTION(name) {
      const json expected = json::parse(read_all(fs::path(sample).replace_extension(".json")));
      const auto message = shared_pipeline().run(sample.string(), read_all(sample));
      const json actual = bounced::daemon::to_json(message);
      INFO(name << "\nactual: " << actual.dump(1));
      for (const auto& [key, value] : expected.items()) {
        if (key == "recipients") {
          REQUIRE(actual["recipients"].size() == value.size());
          for (size_t i = 0; i < value.size(); ++i) {
            compare_recipient(value[i], actual["recipients"][i], name + " #" + std::to_string(i));
          }
        } else if (key == "original") {
          for (const auto& [okey, ovalue] : value.items()) {
            INFO("original." << okey);
            if (okey == "headers") {
              for (const auto& [hname, hvalue] : ovalue.items()) {
                CHECK(actual["original"]["headers"].value(hname, json()) == hvalue);
              }
            } else {
              CHECK(actual["original"].value(okey, json()) == ovalue);
            }
          }
        } else if (!key.starts_with("_")) {  // "_comment" and the like are notes
          INFO("key " << key);
          CHECK(actual.value(key, json()) == value);
        }
      }
    }
  }
}
