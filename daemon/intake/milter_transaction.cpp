#include "intake/milter_transaction.hpp"

#include <fnmatch.h>

namespace bounced::daemon::intake {

namespace {

// Folded header values reach the milter with bare LF between their lines (Postfix) or CRLF
// (Sendmail); the message is written with CRLF throughout, as it went over SMTP.
void append_crlf_normalised(std::string& out, std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) out.push_back('\r');
    out.push_back(text[i]);
  }
}

}  // namespace

void MilterTransaction::start(std::string_view sender) {
  sender_ = envelope_address(sender);
  ours_.clear();
  others_ = 0;
  headers_.clear();
  body_.clear();
}

void MilterTransaction::add_recipient(std::string_view recipient, bool ours) {
  if (ours) {
    ours_.emplace_back(recipient);
  } else {
    ++others_;
  }
}

void MilterTransaction::add_header(std::string_view name, std::string_view value,
                                   bool leading_space) {
  headers_.append(name);
  headers_.push_back(':');
  if (!leading_space) headers_.push_back(' ');
  append_crlf_normalised(headers_, value);
  headers_.append("\r\n");
}

void MilterTransaction::end_of_headers() {
  headers_.append("\r\n");
}

bool MilterTransaction::add_body(std::string_view chunk, std::size_t limit) {
  if (size() + chunk.size() > limit) return false;
  body_.append(chunk);
  return true;
}

std::string MilterTransaction::take_message() {
  std::string message;
  message.reserve(64 + ours_.size() * 64 + headers_.size() + body_.size());
  message.append("Return-Path: <").append(sender_).append(">\r\n");
  for (const auto& recipient : ours_) {
    message.append("Delivered-To: ").append(envelope_address(recipient)).append("\r\n");
  }
  message.append(headers_);
  message.append(body_);
  start("");
  return message;
}

std::string envelope_address(std::string_view argument) {
  const auto open = argument.find('<');
  if (open != std::string_view::npos) {
    const auto close = argument.find('>', open);
    return std::string(argument.substr(
        open + 1, close == std::string_view::npos ? std::string_view::npos : close - open - 1));
  }
  const auto space = argument.find(' ');
  return std::string(argument.substr(0, space));
}

bool recipient_matches(const std::vector<std::string>& patterns, std::string_view address) {
  if (patterns.empty()) return true;
  const std::string text(address);
  for (const auto& pattern : patterns) {
    if (fnmatch(pattern.c_str(), text.c_str(), FNM_CASEFOLD) == 0) return true;
  }
  return false;
}

}  // namespace bounced::daemon::intake
