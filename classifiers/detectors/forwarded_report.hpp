// A bounce of a bounce: a gateway returns a delivery report as an attached message/rfc822. The
// attached report is the one that names the failed recipients.
#pragma once

#include "detector.hpp"

namespace bounced::classifiers {

class ForwardedReportDetector final : public Detector {
 public:
  std::string_view name() const override { return "forwarded-report"; }
  Confidence ceiling() const override { return Confidence::report; }
  Confidence claim(const Notice& notice) const override;
  std::optional<BounceReport> read(const Notice& notice, BounceReport envelope) const override;
};

}  // namespace bounced::classifiers
