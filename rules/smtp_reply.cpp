#include "smtp_reply.hpp"

namespace bounced::rules {

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Length of a status code starting at text[pos], or 0.
size_t status_length_at(std::string_view text, size_t pos) {
  if (pos >= text.size()) return 0;
  const char cls = text[pos];
  if (cls != '2' && cls != '4' && cls != '5') return 0;
  if (pos > 0 && (is_digit(text[pos - 1]) || text[pos - 1] == '.')) return 0;
  // RFC 3463 subjects in use are 0-7, one digit; details run to three digits (5.7.606).
  if (pos + 4 >= text.size() || text[pos + 1] != '.' || text[pos + 2] < '0' ||
      text[pos + 2] > '7' || text[pos + 3] != '.') {
    return 0;
  }
  size_t i = pos + 4;
  const size_t digits_start = i;
  while (i < text.size() && is_digit(text[i]) && i - digits_start < 3) ++i;
  if (i == digits_start) return 0;
  if (i < text.size() &&
      (is_digit(text[i]) || (text[i] == '.' && i + 1 < text.size() && is_digit(text[i + 1])))) {
    return 0;
  }
  return i - pos;
}

bool is_reply_code_at(std::string_view text, size_t pos) {
  if (pos + 3 > text.size()) return false;
  const char first = text[pos];
  if (first != '2' && first != '4' && first != '5') return false;
  if (!is_digit(text[pos + 1]) || !is_digit(text[pos + 2])) return false;
  if (text[pos + 1] > '5') return false;
  if (pos > 0 && (is_digit(text[pos - 1]) || text[pos - 1] == '.' || text[pos - 1] == '-' ||
                  text[pos - 1] == '/')) {
    return false;
  }
  if (pos + 3 < text.size()) {
    const char next = text[pos + 3];
    if (next != ' ' && next != '-' && next != '\t' && next != '\r' && next != '\n' && next != '"' &&
        next != ')') {
      return false;
    }
  }
  return true;
}

// A reply code stands after a separator, not inside prose ("port 25", "in 450 seconds").
bool follows_separator(std::string_view text, size_t pos) {
  size_t i = pos;
  while (i > 0 && (text[i - 1] == ' ' || text[i - 1] == '\t')) --i;
  if (i == 0) return true;
  const char before = text[i - 1];
  return before == ':' || before == ';' || before == '\n' || before == '(' || before == '"' ||
         before == ']' || before == '>' || before == '\'' || before == '=' || before == '<' ||
         before == '#';  // Exchange: "#550 5.1.1 RESOLVER.ADR.RecipNotFound"
}

}  // namespace

std::string find_status_code(std::string_view text) {
  for (size_t pos = 0; pos < text.size(); ++pos) {
    if (const size_t length = status_length_at(text, pos); length != 0) {
      return std::string(text.substr(pos, length));
    }
  }
  return {};
}

SmtpReply find_smtp_reply(std::string_view text) {
  SmtpReply reply;
  std::string loose_code;
  for (size_t pos = 0; pos < text.size(); ++pos) {
    const char c = text[pos];
    if (c != '2' && c != '4' && c != '5') continue;
    if (reply.status.empty()) {
      if (const size_t length = status_length_at(text, pos); length != 0) {
        reply.status = std::string(text.substr(pos, length));
      }
    }
    if (reply.reply_code.empty() && is_reply_code_at(text, pos)) {
      const size_t after = pos + 4;
      if (pos + 3 < text.size() && status_length_at(text, after) != 0) {
        reply.reply_code = std::string(text.substr(pos, 3));
      } else if (loose_code.empty() && follows_separator(text, pos)) {
        loose_code = std::string(text.substr(pos, 3));
      }
    }
    if (!reply.status.empty() && !reply.reply_code.empty()) break;
  }
  if (reply.reply_code.empty()) reply.reply_code = loose_code;
  return reply;
}

bool is_specific_status(std::string_view status) {
  return status.size() >= 5 && status.substr(1) != ".0.0";
}

}  // namespace bounced::rules
