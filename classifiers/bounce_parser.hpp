// From raw message bytes to a BounceReport: decides what kind of mail it is and reads its
// per-recipient results, the returned original's identity and the VERP recipient.
//
// Three outcomes, kept apart on purpose: a report (possibly kind not_bounce: ordinary mail), or a
// ParseError with the reason when the bytes are not a readable message at all.
//
// What kind of mail it is, is decided by an ordered list of detectors (detectors/), each saying
// how sure it is; the surest reads the notice.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "format_catalog.hpp"
#include "parser_options.hpp"
#include "report.hpp"

namespace bounced::classifiers {

class Detector;

class BounceParser {
 public:
  BounceParser(std::shared_ptr<const FormatCatalog> catalog, ParserOptions options);
  ~BounceParser();
  BounceParser(const BounceParser&) = delete;
  BounceParser& operator=(const BounceParser&) = delete;

  ParseResult parse(std::string_view bytes) const;

  const FormatCatalog& catalog() const { return *catalog_; }
  const ParserOptions& options() const { return options_; }

 private:
  // depth is 1 while reading a report attached to a report: nesting stops there.
  ParseResult read_report(std::string_view bytes, int depth) const;

  std::shared_ptr<const FormatCatalog> catalog_;
  ParserOptions options_;
  std::vector<std::unique_ptr<const Detector>> detectors_;  // immutable after construction
};

}  // namespace bounced::classifiers
