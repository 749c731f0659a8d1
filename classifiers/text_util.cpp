#include "text_util.hpp"

#include <algorithm>
#include <cctype>

namespace bounced::classifiers {

namespace {
bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f';
}
char lower(char c) {
  return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}
}  // namespace

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

std::string to_lower(std::string_view text) {
  std::string result(text);
  std::transform(result.begin(), result.end(), result.begin(), lower);
  return result;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return lower(x) == lower(y); });
}

bool istarts_with(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && iequals(text.substr(0, prefix.size()), prefix);
}

std::string collapse_whitespace(std::string_view text) {
  std::string result;
  result.reserve(text.size());
  bool pending_space = false;
  for (char c : text) {
    if (is_space(c)) {
      pending_space = !result.empty();
      continue;
    }
    if (pending_space) result.push_back(' ');
    pending_space = false;
    result.push_back(c);
  }
  return result;
}

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    if (end == text.size()) break;
    start = end + 1;
  }
  return lines;
}

std::string_view strip_type_prefix(std::string_view value) {
  value = trim(value);
  const size_t semicolon = value.find(';');
  // An address type or MTA type is a short token without spaces: "rfc822", "dns", "smtp", "X-Unix".
  if (semicolon != std::string_view::npos && semicolon <= 16 &&
      value.substr(0, semicolon).find_first_of(" <@\t") == std::string_view::npos) {
    value.remove_prefix(semicolon + 1);
  }
  return trim(value);
}

bool looks_like_address(std::string_view text) {
  const size_t at = text.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 >= text.size()) return false;
  const std::string_view domain = text.substr(at + 1);
  if (domain.find('.') == std::string_view::npos && domain.front() != '[') return false;
  for (char c : text) {
    if (is_space(c) || c == '<' || c == '>' || c == ',' || c == '(' || c == ')') return false;
  }
  return domain.front() != '.' && domain.back() != '.';
}

std::string normalize_address(std::string_view raw) {
  std::string_view value = strip_type_prefix(raw);
  if (const size_t open = value.find('<'); open != std::string_view::npos) {
    const size_t close = value.find('>', open);
    value = value.substr(
        open + 1, close == std::string_view::npos ? std::string_view::npos : close - open - 1);
  }
  value = trim(value);
  if (istarts_with(value, "mailto:")) value.remove_prefix(7);
  while (!value.empty() && (value.back() == '.' || value.back() == ':' || value.back() == ';' ||
                            value.back() == '"' || value.back() == '\'')) {
    value.remove_suffix(1);
  }
  while (!value.empty() && (value.front() == '"' || value.front() == '\'')) value.remove_prefix(1);
  if (!looks_like_address(value)) return {};
  const size_t at = value.rfind('@');
  return std::string(value.substr(0, at + 1)) + to_lower(value.substr(at + 1));
}

std::vector<std::string> addresses_in_list(std::string_view header) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= header.size()) {
    size_t comma = header.find(',', start);
    if (comma == std::string_view::npos) comma = header.size();
    std::string address = normalize_address(header.substr(start, comma - start));
    if (!address.empty()) out.push_back(to_lower(address));
    start = comma + 1;
  }
  return out;
}

void truncate_utf8(std::string& text, size_t max_bytes) {
  if (text.size() <= max_bytes) return;
  size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  text.resize(cut);
}

std::string address_domain(std::string_view address) {
  const size_t at = address.rfind('@');
  return at == std::string_view::npos ? std::string() : to_lower(address.substr(at + 1));
}

}  // namespace bounced::classifiers
