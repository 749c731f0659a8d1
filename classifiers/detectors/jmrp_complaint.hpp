// Microsoft JMRP complaints (Outlook.com / Hotmail junk-mail reporting): a fixed subject
// "complaint about message from <IP>" with the reported mail attached, but no
// message/feedback-report part.
#pragma once

#include "detector.hpp"

namespace bounced::classifiers {

class JmrpComplaintDetector final : public Detector {
 public:
  std::string_view name() const override { return "jmrp"; }
  Confidence ceiling() const override { return Confidence::layout; }
  Confidence claim(const Notice& notice) const override;
  std::optional<BounceReport> read(const Notice& notice, BounceReport envelope) const override;
};

}  // namespace bounced::classifiers
