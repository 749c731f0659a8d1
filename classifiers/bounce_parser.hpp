// From raw message bytes to a BounceReport: decides what kind of mail it is and reads its
// per-recipient results, the returned original's identity and the VERP recipient.
//
// Three outcomes, kept apart on purpose: a report (possibly kind not_bounce: ordinary mail), or a
// ParseError with the reason when the bytes are not a readable message at all.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "format_catalog.hpp"
#include "message_limits.hpp"
#include "report.hpp"
#include "verp.hpp"

namespace bounced::classifiers {

struct ParserOptions {
  // Headers of the returned original to keep for joining, besides Message-ID/From/To/Subject.
  std::vector<std::string> original_headers = {"X-Bounced-Send-Id", "X-Campaign-Id",
                                               "X-Mailer-Send-Id", "List-Id"};
  VerpOptions verp;
  // Size, MIME structure, header, recipient and diagnostic limits (message_limits.hpp).
  MessageLimits limits;
};

class BounceParser {
 public:
  BounceParser(std::shared_ptr<const FormatCatalog> catalog, ParserOptions options);

  ParseResult parse(std::string_view bytes) const;

  const FormatCatalog& catalog() const { return *catalog_; }
  const ParserOptions& options() const { return options_; }

 private:
  ParseResult read_report(std::string_view bytes) const;

  std::shared_ptr<const FormatCatalog> catalog_;
  ParserOptions options_;
  int depth_ = 0;  // 1 while reading a report attached to a report
};

}  // namespace bounced::classifiers
