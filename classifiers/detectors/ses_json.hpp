// Amazon SES bounce, complaint and delivery notifications that Amazon SNS delivers as mail: the
// body is the JSON notification.
#pragma once

#include "detector.hpp"

namespace bounced::classifiers {

class SesJsonDetector final : public Detector {
 public:
  std::string_view name() const override { return "amazonses-json"; }
  Confidence ceiling() const override { return Confidence::report; }
  Confidence claim(const Notice& notice) const override;
  std::optional<BounceReport> read(const Notice& notice, BounceReport envelope) const override;
};

}  // namespace bounced::classifiers
