// The incoming mail as every detector sees it: its MIME tree walked once (ReportParts), its own
// header fields decoded once, and the prose-format match computed on first use so that the
// catalog's RE2 sets run over the body at most once per message.
#pragma once

#include <gmime/gmime.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "format_catalog.hpp"
#include "parser_options.hpp"
#include "report.hpp"
#include "report_parts.hpp"

namespace bounced::classifiers {

class Notice {
 public:
  // Reads a message attached to the notice (a report forwarded as message/rfc822) with the
  // same parser; empty while reading an attached message, so nesting stops at one level.
  using AttachedReader = std::function<ParseResult(std::string_view bytes)>;

  Notice(GMimeMessage* message, const ReportParts& parts, bool delivery_status_inline,
         std::string_view from, std::string_view subject, const FormatCatalog& catalog,
         const ParserOptions& options, AttachedReader read_attached);

  // A header field of the notice itself, decoded to UTF-8 and unfolded; "" when absent.
  std::string header(const char* name) const;

  std::string_view from() const { return from_; }
  std::string_view subject() const { return subject_; }
  // The first human-readable text, UTF-8: what explains the failure in a prose bounce.
  std::string_view body() const { return parts_.body; }
  const ReportParts& parts() const { return parts_; }
  // The delivery-status fields were pasted into a text part, not sent as their own MIME part.
  bool delivery_status_inline() const { return delivery_status_inline_; }

  const FormatCatalog& catalog() const { return catalog_; }
  const ParserOptions& options() const { return options_; }
  const AttachedReader& read_attached() const { return read_attached_; }

  // The prose format the catalog recognises in the notice (computed once, on first use).
  const FormatMatch& prose_format() const;

 private:
  GMimeMessage* message_;
  const ReportParts& parts_;
  bool delivery_status_inline_;
  std::string_view from_;
  std::string_view subject_;
  const FormatCatalog& catalog_;
  const ParserOptions& options_;
  AttachedReader read_attached_;
  mutable std::optional<FormatMatch> prose_format_;
};

}  // namespace bounced::classifiers
