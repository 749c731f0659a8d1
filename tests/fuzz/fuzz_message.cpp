// libFuzzer target: one message through the whole parse + classify pipeline with the shipped
// rule pack and format catalog, then its JSON line - what every mail from the internet goes
// through. Besides crashes, leaks, hangs and memory blow-ups it checks the limits' promises:
// a message the limit scan lets through never has a GMime tree beyond them, no report names more
// recipients or carries a longer diagnostic than allowed, and every error has a reason.
//
// The limits are small here so that inputs of fuzzing size reach them; the code is the same.
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "cli/runtime.hpp"
#include "mime_message.hpp"
#include "report_json.hpp"

namespace {

using namespace bounced;

classifiers::MessageLimits fuzz_limits() {
  classifiers::MessageLimits limits;
  limits.max_message_size = 1024 * 1024;
  limits.max_mime_parts = 40;
  limits.max_mime_depth = 6;
  limits.max_header_size = 2048;
  limits.max_recipients = 30;
  limits.max_diagnostic_size = 512;
  return limits;
}

const daemon::Pipeline& pipeline() {
  static const daemon::Pipeline built = [] {
    daemon::cli::PipelineOptions options;
    options.limits = fuzz_limits();
    options.verp_prefix = "bounces";
    auto made = daemon::cli::build_pipeline(options);
    if (!made) std::abort();
    return std::move(*made);
  }();
  return built;
}

// Parts and nesting of the tree GMime builds, walked without recursion. An attached message that
// GMime parsed as a message (not as the leaf part bounced registers) counts as a level too: the
// limit scan would not have looked inside it.
void measure(GMimeObject* root, size_t& parts, size_t& depth) {
  std::vector<std::pair<GMimeObject*, size_t>> stack{{root, 0}};
  while (!stack.empty()) {
    auto [object, level] = stack.back();
    stack.pop_back();
    if (object == nullptr) continue;
    if (GMIME_IS_MESSAGE_PART(object)) {
      GMimeMessage* inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(object));
      depth = std::max(depth, level + 1);
      if (inner != nullptr) stack.emplace_back(g_mime_message_get_mime_part(inner), level + 1);
      continue;
    }
    if (!GMIME_IS_MULTIPART(object)) continue;
    depth = std::max(depth, level + 1);
    GMimeMultipart* multipart = GMIME_MULTIPART(object);
    const int count = g_mime_multipart_get_count(multipart);
    parts += static_cast<size_t>(count);
    for (int i = 0; i < count; ++i) {
      stack.emplace_back(g_mime_multipart_get_part(multipart, i), level + 1);
    }
  }
}

}  // namespace

// Rules and formats are loaded and compiled here, outside the per-input time limit.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  (void)pipeline();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const classifiers::MessageLimits limits = fuzz_limits();
  const daemon::ClassifiedMessage message = pipeline().run("fuzz", bytes);
  if (message.report.kind == classifiers::ReportKind::error) {
    if (message.error.empty()) std::abort();
    return 0;
  }
  if (message.recipients.size() > limits.max_recipients) std::abort();
  for (const auto& recipient : message.recipients) {
    if (recipient.status.diagnostic.size() > limits.max_diagnostic_size) std::abort();
  }
  (void)daemon::to_json(message).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  // The scan let it through: GMime's own tree must be within the limits too.
  auto parsed = classifiers::parse_message(bytes);
  if (parsed) {
    size_t parts = 0, depth = 0;
    measure(g_mime_message_get_mime_part(parsed.get()), parts, depth);
    if (parts > limits.max_mime_parts || depth > limits.max_mime_depth) std::abort();
  }
  return 0;
}
