// libFuzzer target: the body of a message/delivery-status part (RFC 3464 fields, as real MTAs
// write them: folded, CRLF or LF, blank lines in odd places) read into per-recipient results.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "delivery_status.hpp"
#include "dsn_recipients.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto status = bounced::classifiers::parse_delivery_status(text);
  for (const auto& recipient : bounced::classifiers::read_delivery_status(status)) {
    if (recipient.address.empty()) std::abort();  // a recipient without an address is dropped
  }
  return 0;
}
