// RFC 3834 automatic replies (vacation, out of office) and challenge-response requests. A header
// that marks the reply (Auto-Submitted: auto-replied, X-Autoreply, Precedence: auto_reply)
// outranks any prose layout in its body; a vacation subject alone is only wording. Never claimed
// for mail from a system sender (MAILER-DAEMON, postmaster) or mail naming X-Failed-Recipients:
// those are bounces that RFC 3834 also asks to carry Auto-Submitted.
#pragma once

#include "detector.hpp"

namespace bounced::classifiers {

class AutoReplyDetector final : public Detector {
 public:
  std::string_view name() const override { return "auto-reply"; }
  Confidence ceiling() const override { return Confidence::header; }
  Confidence claim(const Notice& notice) const override;
  std::optional<BounceReport> read(const Notice& notice, BounceReport envelope) const override;
};

}  // namespace bounced::classifiers
