#include "original_message.hpp"

#include <re2/re2.h>

#include "mime_message.hpp"
#include "text_util.hpp"

namespace bounced::classifiers {

namespace {

std::string strip_angles(std::string_view id) {
  id = trim(id);
  if (!id.empty() && id.front() == '<') id.remove_prefix(1);
  if (!id.empty() && id.back() == '>') id.remove_suffix(1);
  return std::string(trim(id));
}

// Quoted originals are indented by some MTAs ("    Message-ID: <...>"); GMime needs column 0.
std::string unindent_header_block(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::string_view line : split_lines(text)) {
    if (trim(line).empty()) break;
    std::string_view content = line;
    const bool continuation =
        content.size() > 0 && (content.front() == ' ' || content.front() == '\t');
    std::string_view stripped = trim(content);
    const size_t colon = stripped.find(':');
    const bool field = colon != std::string_view::npos && colon > 0 &&
                       stripped.substr(0, colon).find(' ') == std::string_view::npos;
    if (continuation && !field) {
      out.append(" ");
      out.append(stripped);
    } else {
      if (!out.empty()) out.push_back('\n');
      out.append(stripped);
    }
  }
  out.append("\n\n");
  return out;
}

}  // namespace

OriginalMessage original_from_header_text(std::string_view text,
                                          const std::vector<std::string>& extra_headers) {
  // A header block needs no full MIME parse: unfold, split, and let GMime decode the RFC 2047
  // encoded words of the few fields we keep. A second message parse per report cost more than
  // the rest of the report's handling.
  ensure_gmime_initialized();
  OriginalMessage original;
  auto decode = [](std::string_view raw) {
    const std::string folded = collapse_whitespace(raw);
    char* decoded = g_mime_utils_header_decode_text(nullptr, folded.c_str());
    std::string result = decoded != nullptr ? to_utf8(decoded, nullptr) : folded;
    g_free(decoded);
    return result;
  };
  std::string name;
  std::string value;
  auto flush = [&] {
    if (name.empty()) return;
    if (iequals(name, "Message-ID") && original.message_id.empty()) {
      original.message_id = strip_angles(collapse_whitespace(value));
    } else if (iequals(name, "From") && original.from.empty()) {
      original.from = decode(value);
    } else if (iequals(name, "To") && original.to.empty()) {
      original.to = decode(value);
    } else if (iequals(name, "Subject") && original.subject.empty()) {
      original.subject = decode(value);
    } else if (iequals(name, "Date") && original.date.empty()) {
      original.date = collapse_whitespace(value);
    } else {
      for (const auto& wanted : extra_headers) {
        if (iequals(name, wanted)) {
          original.headers.emplace_back(wanted, decode(value));
          break;
        }
      }
    }
    name.clear();
    value.clear();
  };
  for (std::string_view line : split_lines(text)) {
    if (line.empty()) break;  // end of the header block
    if ((line.front() == ' ' || line.front() == '\t')) {
      if (!name.empty()) {
        value.push_back(' ');
        value.append(line);
      }
      continue;
    }
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      if (line.starts_with("From ")) continue;  // mbox separator
      break;
    }
    flush();
    name = std::string(trim(line.substr(0, colon)));
    value = std::string(line.substr(colon + 1));
  }
  flush();
  return original;
}

OriginalMessage original_from_inline_text(std::string_view body,
                                          const std::vector<std::string>& extra_headers) {
  static const re2::RE2 header_start(
      R"((?mi)^[ \t]*(?:Return-Path|Received|Message-I[Dd]|DKIM-Signature|From|Date|Subject|To|MIME-Version|X-[A-Za-z0-9-]+):[ \t])");
  static const re2::RE2 message_id(R"((?mi)^[ \t]*Message-I[Dd]:[ \t]*)");
  // Start from the header block that holds a Message-ID when there is one, so a prose summary
  // ("Subject: ..." in an Exchange NDR) does not shadow the quoted original.
  re2::StringPiece match;
  size_t anchor = std::string_view::npos;
  if (message_id.Match(body, 0, body.size(), RE2::UNANCHORED, &match, 1)) {
    anchor = static_cast<size_t>(match.data() - body.data());
  }
  if (anchor == std::string_view::npos) {
    if (!header_start.Match(body, 0, body.size(), RE2::UNANCHORED, &match, 1)) return {};
    anchor = static_cast<size_t>(match.data() - body.data());
  }
  // Walk back to the first header line of the block containing the anchor.
  size_t begin = anchor;
  while (begin > 0) {
    const size_t previous_end = begin - 1;  // the '\n' before this line
    if (previous_end == 0) {
      begin = 0;
      break;
    }
    const size_t previous_start = body.rfind('\n', previous_end - 1);
    const size_t line_start = previous_start == std::string_view::npos ? 0 : previous_start + 1;
    std::string_view line = body.substr(line_start, previous_end - line_start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (trim(line).empty()) break;
    begin = line_start;
  }
  return original_from_header_text(unindent_header_block(body.substr(begin)), extra_headers);
}

}  // namespace bounced::classifiers
