#include "report_parts.hpp"

#include <re2/re2.h>

#include <algorithm>

#include "mime_message.hpp"

namespace bounced::classifiers {

namespace {

std::string strip_html(std::string_view html) {
  static const re2::RE2 block_tags(R"((?i)<(?:br|/p|/div|/tr|/li|/h[1-6])[^>]*>)");
  static const re2::RE2 tags(R"(<[^>]*>)");
  static const re2::RE2 style(R"((?is)<(style|script)[^>]*>.*?</(?:style|script)>)");
  std::string text(html);
  re2::RE2::GlobalReplace(&text, style, "");
  re2::RE2::GlobalReplace(&text, block_tags, "\n");
  re2::RE2::GlobalReplace(&text, tags, "");
  for (auto [entity, replacement] : {std::pair{"&nbsp;", " "},
                                     {"&lt;", "<"},
                                     {"&gt;", ">"},
                                     {"&quot;", "\""},
                                     {"&#39;", "'"},
                                     {"&amp;", "&"}}) {
    for (size_t at = text.find(entity); at != std::string::npos; at = text.find(entity, at)) {
      text.replace(at, std::string_view(entity).size(), replacement);
      at += std::string_view(replacement).size();
    }
  }
  return text;
}

}  // namespace

ReportParts collect_parts(GMimeMessage* message) {
  ReportParts parts;
  std::string html;
  // A bounce explains itself in its first kilobytes; more than this of one part is an attached
  // copy or abuse, and every reader after this runs over what is kept.
  constexpr size_t kMaxTextPart = 1024 * 1024;
  auto part_text = [&](GMimeObject* part) {
    bool cut = false;
    std::string text = classifiers::part_text(part, kMaxTextPart, &cut);
    if (cut) {
      parts.warnings.push_back("a " + mime_type(part) + " part was read to its first " +
                               std::to_string(kMaxTextPart) + " bytes only");
    }
    return text;
  };
  for_each_part(g_mime_message_get_mime_part(message), [&](GMimeObject* part) {
    const std::string type = mime_type(part);
    if (type == "message/delivery-status" || type == "message/global-delivery-status") {
      if (parts.delivery_status.empty()) parts.delivery_status = part_text(part);
    } else if (type == "message/feedback-report") {
      if (parts.feedback_report.empty()) parts.feedback_report = part_text(part);
    } else if (type == "message/rfc822" || type == "message/global") {
      if (parts.original_part == nullptr) {
        parts.original_part = part;
        // A header block larger than this is abuse, not a returned original.
        constexpr size_t kMaxHeaderBlock = 256 * 1024;
        parts.original_headers = to_utf8(part_content(part, kMaxHeaderBlock, true), nullptr);
      }
    } else if (type == "text/rfc822-headers" || type == "message/global-headers" ||
               type == "text/rfc822-header") {
      if (parts.original_headers.empty()) parts.original_headers = part_text(part);
    } else if (type == "text/plain" || type == "text/enriched") {
      // Only text before the returned original explains the failure.
      if (parts.body.empty() && parts.original_part == nullptr) parts.body = part_text(part);
    } else if (type == "text/html") {
      if (html.empty() && parts.original_part == nullptr) html = part_text(part);
    }
  });
  if (parts.body.empty() && !html.empty()) {
    parts.body = strip_html(html);
    parts.body_is_html = true;
  }
  return parts;
}

// The bytes after the header block, for mail whose MIME structure yields no readable text (a
// multipart whose boundaries were lost, a report pasted as plain text).
std::string raw_body(std::string_view bytes) {
  size_t end = bytes.find("\n\n");
  size_t skip = 2;
  if (const size_t crlf = bytes.find("\r\n\r\n"); crlf < end) {
    end = crlf;
    skip = 4;
  }
  if (end == std::string_view::npos) return {};
  constexpr size_t kMaxRawBody = 512 * 1024;
  std::string_view body = bytes.substr(end + skip);
  return to_utf8(body.substr(0, std::min(body.size(), kMaxRawBody)), nullptr);
}

// Some MTAs paste the RFC 3464 fields into a text part instead of a message/delivery-status part.
std::string inline_delivery_status(std::string_view body) {
  static const re2::RE2 start(
      R"((?mi)^(?:Reporting-MTA|Original-Envelope-Id|Final-Recipient):[ \t]*\S)");
  static const re2::RE2 recipient(R"((?mi)^Final-Recipient:[ \t]*\S)");
  if (!re2::RE2::PartialMatch(body, recipient)) return {};
  re2::StringPiece match;
  if (!start.Match(body, 0, body.size(), RE2::UNANCHORED, &match, 1)) return {};
  return std::string(body.substr(static_cast<size_t>(match.data() - body.data())));
}

}  // namespace bounced::classifiers
