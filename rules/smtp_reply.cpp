#include "smtp_reply.hpp"

#include <array>
#include <cctype>

namespace bounced::rules {

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool is_alnum(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0;
}

char lower(char c) {
  return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

// Length of a status code starting at text[pos], or 0.
size_t status_length_at(std::string_view text, size_t pos) {
  if (pos >= text.size()) return 0;
  const char cls = text[pos];
  if (cls != '2' && cls != '4' && cls != '5') return 0;
  // "v5.1.2" is a version and "10.5.1.1" an address, not a status.
  if (pos > 0 && (is_alnum(text[pos - 1]) || text[pos - 1] == '.')) return 0;
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
  if (pos > 0 && (is_alnum(text[pos - 1]) || text[pos - 1] == '.' || text[pos - 1] == '-' ||
                  text[pos - 1] == '/' || text[pos - 1] == '+' || text[pos - 1] == ',')) {
    return false;
  }
  if (pos + 3 < text.size()) {
    const char next = text[pos + 3];
    if (next != ' ' && next != '-' && next != '\t' && next != '\r' && next != '\n' && next != '"' &&
        next != '\'' && next != ')') {
      return false;
    }
  }
  return true;
}

// The word that ends just before `end` (letters only), lower-cased.
std::string word_before(std::string_view text, size_t end) {
  size_t begin = end;
  while (begin > 0 && std::isalpha(static_cast<unsigned char>(text[begin - 1]))) --begin;
  std::string word;
  for (size_t i = begin; i < end; ++i) word.push_back(lower(text[i]));
  return word;
}

// A number that measures something is not a reply: "size: 250 KB", "port: 465", "(550 bytes)".
bool is_quantity(std::string_view text, size_t pos, size_t separator) {
  static constexpr std::array<std::string_view, 14> labels = {
      "port",    "size",     "length", "count", "total", "limit", "max",
      "maximum", "messages", "bytes",  "line",  "pid",   "uid",   "id"};
  if (separator != std::string_view::npos) {
    const std::string label = word_before(text, separator);
    for (std::string_view l : labels) {
      if (label == l) return true;
    }
  }
  size_t i = pos + 3;
  while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
  std::string unit;
  while (i < text.size() && (std::isalpha(static_cast<unsigned char>(text[i])) || text[i] == '%') &&
         unit.size() < 12) {
    unit.push_back(lower(text[i++]));
  }
  static constexpr std::array<std::string_view, 19> units = {
      "b",  "kb",  "mb",   "gb",     "kib",     "mib",    "gib",     "byte",  "bytes", "%",
      "ms", "sec", "secs", "second", "seconds", "minute", "minutes", "hours", "days"};
  for (std::string_view u : units) {
    if (unit == u) return true;
  }
  return false;
}

// Where a reply without an enhanced code stands (RFC 5321 section 4.2): at the start of the text
// or of a line (a transcript's "<<< 550 ..."), or after the words that introduce one — "said:",
// "smtp;", "...after RCPT TO:<x>:", Exchange's "#550" and "returned '550 ...'". False when the
// digits stand in prose ("connect to port 25 failed after 450 seconds"). The separator's
// position is returned through `separator` (npos at a line start).
bool stands_as_reply(std::string_view text, size_t pos, size_t& separator) {
  separator = std::string_view::npos;
  size_t i = pos;
  while (i > 0 && (text[i - 1] == ' ' || text[i - 1] == '\t')) --i;
  // Sendmail transcripts mark the server's lines with "<<<".
  if (i >= 3 && text.substr(i - 3, 3) == "<<<") {
    i -= 3;
    while (i > 0 && (text[i - 1] == ' ' || text[i - 1] == '\t')) --i;
  }
  if (i == 0) return true;
  const char before = text[i - 1];
  if (before == '\n' || before == '\r') return true;
  // ']' and '>' end a host or address that names who replied: "[192.0.2.1] 550 ...".
  if (before == ':' || before == ';' || before == '#' || before == '(' || before == '"' ||
      before == '\'' || before == '=' || before == ']' || before == '>') {
    separator = i - 1;
    return true;
  }
  return false;
}

struct Found {
  std::string code;
  std::string status;
  bool empty() const { return code.empty() && status.empty(); }
};

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
  // A failure reply outranks a success: a transcript shows "250 OK" for MAIL FROM before the
  // "550 5.1.1" that failed the recipient. Index 0: failures (4xx/5xx), 1: successes.
  std::array<Found, 2> paired;  // "550 5.1.1": the code with its enhanced status
  std::array<Found, 2> loose;   // a code that stands as a reply, and a status anywhere
  for (size_t pos = 0; pos < text.size(); ++pos) {
    const char c = text[pos];
    if (c != '2' && c != '4' && c != '5') continue;
    const size_t kind = c == '2' ? 1 : 0;
    if (is_reply_code_at(text, pos)) {
      const size_t after = pos + 4;
      if (paired[kind].empty() && pos + 3 < text.size() && status_length_at(text, after) != 0) {
        paired[kind].code = std::string(text.substr(pos, 3));
        paired[kind].status = std::string(text.substr(after, status_length_at(text, after)));
        pos = after;
        continue;
      }
      size_t separator = 0;
      if (loose[kind].code.empty() && stands_as_reply(text, pos, separator) &&
          !is_quantity(text, pos, separator)) {
        loose[kind].code = std::string(text.substr(pos, 3));
      }
    }
    if (loose[kind].status.empty()) {
      if (const size_t length = status_length_at(text, pos); length != 0) {
        loose[kind].status = std::string(text.substr(pos, length));
      }
    }
    if (!paired[0].empty()) break;
  }
  for (size_t kind = 0; kind < 2; ++kind) {
    if (!paired[kind].empty()) return {paired[kind].code, paired[kind].status};
    if (!loose[kind].empty()) return {loose[kind].code, loose[kind].status};
  }
  return {};
}

bool is_specific_status(std::string_view status) {
  return status.size() >= 5 && status.substr(1) != ".0.0";
}

}  // namespace bounced::rules
