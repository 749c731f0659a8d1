#include "message_framing.hpp"

#include <algorithm>

namespace bounced::classifiers {

namespace {

// The length of the line at the start of text, its line end included.
size_t line_length(std::string_view text) {
  const size_t lf = text.find('\n');
  return lf == std::string_view::npos ? text.size() : lf + 1;
}

bool is_blank_line(std::string_view line) {
  return std::all_of(line.begin(), line.end(),
                     [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; });
}

// Bare CR line ends: the header block has CRs but no LF at all.
bool uses_bare_cr(std::string_view text) {
  const std::string_view head = text.substr(0, std::min<size_t>(text.size(), 4096));
  return head.find('\n') == std::string_view::npos && head.find('\r') != std::string_view::npos;
}

}  // namespace

FramedMessage::FramedMessage(std::string_view raw) : view_(raw) {
  if (uses_bare_cr(view_)) {
    storage_.assign(view_);
    std::replace(storage_.begin(), storage_.end(), '\r', '\n');
    rewritten_ = true;
    view_ = storage_;
    warnings_.push_back("framing: bare CR line ends read as line breaks");
  }
  if (view_.starts_with("\xEF\xBB\xBF")) {
    view_.remove_prefix(3);
    warnings_.push_back("framing: UTF-8 byte-order mark before the header skipped");
  }
  size_t blank_lines = 0;
  bool mbox_separator = false;
  while (!view_.empty()) {
    const std::string_view line = view_.substr(0, line_length(view_));
    if (is_blank_line(line)) {
      ++blank_lines;
    } else if (!mbox_separator && (line.starts_with("From ") || line.starts_with(">From "))) {
      // The mbox separator line (RFC 4155) frames a message in a mailbox file; not a header.
      // Saved out of an mboxrd file, or through a tool that quoted every "From " line, it
      // arrives as ">From ".
      mbox_separator = true;
    } else {
      break;
    }
    view_.remove_prefix(line.size());
  }
  if (blank_lines > 0) {
    warnings_.push_back("framing: " + std::to_string(blank_lines) +
                        " blank line(s) before the header skipped");
  }
  if (rewritten_) {
    storage_.erase(0, static_cast<size_t>(view_.data() - storage_.data()));
    view_ = storage_;
  }
}

}  // namespace bounced::classifiers
