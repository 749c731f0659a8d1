// libFuzzer target: Postfix log lines (syslog and RFC 3339 timestamps) into events. The input is
// split at newlines, each line parsed on its own, as the reader does.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "maillog_parser.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  while (!text.empty()) {
    const size_t end = text.find('\n');
    const std::string_view line = text.substr(0, end);
    if (auto event = bounced::store::parse_maillog_line(line, 2026)) {
      if (event->queue_id.empty()) std::abort();  // every event belongs to a queue id
    }
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return 0;
}
