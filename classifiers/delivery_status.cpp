#include "delivery_status.hpp"

#include "text_util.hpp"

namespace bounced::classifiers {

std::string_view FieldBlock::get(std::string_view name) const {
  for (const auto& [field, value] : fields_) {
    if (iequals(field, name)) return value;
  }
  return {};
}

std::vector<std::string_view> FieldBlock::get_all(std::string_view name) const {
  std::vector<std::string_view> values;
  for (const auto& [field, value] : fields_) {
    if (iequals(field, name)) values.push_back(value);
  }
  return values;
}

namespace {

bool names_recipient(const FieldBlock& block) {
  return !block.get("Final-Recipient").empty() || !block.get("Original-Recipient").empty() ||
         !block.get("X-Actual-Recipient").empty();
}

bool is_field_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
          c == '_')) {
      return false;
    }
  }
  return true;
}

}  // namespace

DeliveryStatus parse_delivery_status(std::string_view text, size_t max_recipients) {
  std::vector<FieldBlock> blocks(1);
  std::string name;
  std::string value;
  auto flush_field = [&] {
    if (!name.empty()) blocks.back().add(std::move(name), collapse_whitespace(value));
    name.clear();
    value.clear();
  };
  size_t named = 0;  // blocks that name a recipient
  for (std::string_view line : split_lines(text)) {
    if (trim(line).empty()) {
      flush_field();
      if (!blocks.back().empty()) {
        // One more than the caller takes is enough for it to see the report is over its limit.
        if (names_recipient(blocks.back()) && ++named > max_recipients) break;
        blocks.emplace_back();
      }
      continue;
    }
    if ((line.front() == ' ' || line.front() == '\t') && !name.empty()) {
      value.push_back(' ');
      value.append(line);
      continue;
    }
    const size_t colon = line.find(':');
    if (colon != std::string_view::npos && is_field_name(trim(line.substr(0, colon)))) {
      flush_field();
      name = std::string(trim(line.substr(0, colon)));
      value = std::string(line.substr(colon + 1));
    } else if (!name.empty()) {
      // A wrapped Diagnostic-Code whose continuation lost its indentation.
      value.push_back(' ');
      value.append(line);
    }
  }
  flush_field();
  if (blocks.back().empty()) blocks.pop_back();

  DeliveryStatus status;
  size_t first_recipient = 0;
  if (!blocks.empty() && !names_recipient(blocks.front())) {
    status.per_message = std::move(blocks.front());
    first_recipient = 1;
  }
  for (size_t i = first_recipient; i < blocks.size(); ++i) {
    if (names_recipient(blocks[i])) {
      status.per_recipient.push_back(std::move(blocks[i]));
    } else if (!status.per_recipient.empty()) {
      // A blank line inside a recipient block (seen in the wild): merge it back.
      for (const auto& [field, field_value] : blocks[i].fields()) {
        status.per_recipient.back().add(field, field_value);
      }
    }
  }
  return status;
}

}  // namespace bounced::classifiers
