// Bounces written as prose, laid out as the format catalog (rules/formats/*.yaml) describes each
// MTA family: qmail, Postfix, Exim, Sendmail, Courier, Exchange, Domino, OpenSMTPD, providers,
// and the generic fallback. A new prose format is one catalog entry, not code. Claimed on
// X-Failed-Recipients (a header), on an MTA template's own sentences (layout), or on a bounce
// sender or subject alone (wording).
#pragma once

#include "detector.hpp"

namespace bounced::classifiers {

class ProseBounceDetector final : public Detector {
 public:
  std::string_view name() const override { return "prose"; }
  Confidence ceiling() const override { return Confidence::header; }
  Confidence claim(const Notice& notice) const override;
  std::optional<BounceReport> read(const Notice& notice, BounceReport envelope) const override;
};

}  // namespace bounced::classifiers
