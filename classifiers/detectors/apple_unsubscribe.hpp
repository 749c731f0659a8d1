// Apple Mail's "Unsubscribe" button mails the List-Unsubscribe address with
// "X-Apple-Unsubscribe: true": an opt-out request from the sender of that mail.
#pragma once

#include "detector.hpp"

namespace bounced::classifiers {

class AppleUnsubscribeDetector final : public Detector {
 public:
  std::string_view name() const override { return "apple-unsubscribe"; }
  Confidence ceiling() const override { return Confidence::header; }
  Confidence claim(const Notice& notice) const override;
  std::optional<BounceReport> read(const Notice& notice, BounceReport envelope) const override;
};

}  // namespace bounced::classifiers
