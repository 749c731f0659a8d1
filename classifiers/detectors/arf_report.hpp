// RFC 5965 feedback reports (ARF): a complaint per reported recipient, whatever else the mail
// contains.
#pragma once

#include "detector.hpp"

namespace bounced::classifiers {

class ArfReportDetector final : public Detector {
 public:
  std::string_view name() const override { return "arf"; }
  Confidence ceiling() const override { return Confidence::report; }
  Confidence claim(const Notice& notice) const override;
  std::optional<BounceReport> read(const Notice& notice, BounceReport envelope) const override;
};

}  // namespace bounced::classifiers
