// RFC 3464 delivery status notifications and RFC 6533 message/global-delivery-status: the
// per-recipient fields are the report. A report whose fields were pasted into a text part is read
// the same way, but claimed on its layout only.
#pragma once

#include "detector.hpp"

namespace bounced::classifiers {

class DsnReportDetector final : public Detector {
 public:
  std::string_view name() const override { return "dsn"; }
  Confidence ceiling() const override { return Confidence::report; }
  Confidence claim(const Notice& notice) const override;
  std::optional<BounceReport> read(const Notice& notice, BounceReport envelope) const override;
};

}  // namespace bounced::classifiers
