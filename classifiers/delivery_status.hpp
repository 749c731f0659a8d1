// Reads the body of a message/delivery-status (RFC 3464 section 2) or
// message/global-delivery-status (RFC 6533) part: one per-message block, then one block per
// recipient, each a list of header-style fields separated by blank lines.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bounced::classifiers {

class FieldBlock {
 public:
  void add(std::string name, std::string value) {
    fields_.emplace_back(std::move(name), std::move(value));
  }
  // First value of a field by case-insensitive name; "" when absent.
  std::string_view get(std::string_view name) const;
  // Every value of a field that may repeat (ARF's Original-Rcpt-To), in order.
  std::vector<std::string_view> get_all(std::string_view name) const;
  bool empty() const { return fields_.empty(); }
  const std::vector<std::pair<std::string, std::string>>& fields() const { return fields_; }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

struct DeliveryStatus {
  FieldBlock per_message;
  std::vector<FieldBlock> per_recipient;
};

// Tolerates what real MTAs send: CRLF or LF, folded lines, blank lines inside a block that
// RFC 3464 forbids, stray lines without a colon (kept as a continuation), and a per-message
// block that is missing (the first block is taken as a recipient when it names one). Reading
// stops after max_recipients + 1 blocks that name a recipient: enough to see a report is over
// the recipient limit (limits.max_recipients) without holding all of a hostile one.
DeliveryStatus parse_delivery_status(std::string_view text, size_t max_recipients = SIZE_MAX);

}  // namespace bounced::classifiers
