// libFuzzer target: a send log (CSV with a header row, or JSON Lines; the first byte picks) read
// record by record, the way `bounced sends import` reads it, and each record's synchronous reply
// classified with the shipped rules. Every record handed on must carry its recipient.
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

#include "classifier.hpp"
#include "data_paths.hpp"
#include "send_reader.hpp"

namespace {

const bounced::rules::Classifier& shipped_rules() {
  static const auto built =
      bounced::rules::build_classifier({bounced::daemon::default_data_paths().rules_dir});
  if (!built.classifier) std::abort();
  return *built.classifier;
}

}  // namespace

// The rule pack is loaded and compiled here, outside the per-input time limit.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  (void)shipped_rules();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const auto format =
      data[0] & 1 ? bounced::store::SendFormat::jsonl : bounced::store::SendFormat::csv;
  std::istringstream in(std::string(reinterpret_cast<const char*>(data) + 1, size - 1));
  bounced::store::read_sends(
      in, format, 7,
      [](std::vector<bounced::store::SendRecord>& batch) {
        for (auto& record : batch) {
          if (record.recipient.empty()) std::abort();
          bounced::store::classify_sync_outcome(record, shipped_rules());
        }
        return true;
      },
      [](const bounced::store::SendReadError& error) {
        if (error.message.empty()) std::abort();
      });
  return 0;
}
