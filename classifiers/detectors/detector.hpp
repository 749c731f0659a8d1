// One detector per kind of notice (a DSN, an ARF report, an auto-reply, the prose bounce of an MTA
// family, ...). Each answers two questions about a notice: "is it mine, and how sure am I?"
// (claim, cheap) and "what does it say?" (read). The parser asks every detector to claim, then
// lets the surest read first; among equally sure claims the detector list's order decides (see
// detector_list.cpp). A strong signal (a delivery-status part, an RFC 3834 header) is therefore
// never overridden by a weak one (a vendor's name in a body, a word in a subject).
#pragma once

#include <optional>
#include <string_view>

#include "notice.hpp"
#include "report.hpp"

namespace bounced::classifiers {

// How sure a claim is. Levels, not scores: only the level and the list order rank claims.
enum class Confidence {
  none = 0,
  // Words any mail may carry: a bounce subject, a MAILER-DAEMON sender, vacation words in a
  // subject, a provider's domain in From.
  wording = 1,
  // The notice's own structure: an MTA template's sentences and section markers, a delivery
  // report pasted as text, a complaint's fixed subject with the reported mail attached.
  layout = 2,
  // A header set for exactly this kind of mail: Auto-Submitted / X-Autoreply (RFC 3834),
  // X-Failed-Recipients, X-Apple-Unsubscribe.
  header = 3,
  // A machine-readable part: message/delivery-status (RFC 3464), message/feedback-report
  // (RFC 5965), an Amazon SES JSON notification, a report attached as message/rfc822.
  report = 4,
};

std::string_view to_string(Confidence confidence);

class Detector {
 public:
  virtual ~Detector() = default;
  // Names the detector in tests and in `bounced explain`.
  virtual std::string_view name() const = 0;
  // The most this detector ever claims. The parser skips asking a detector whose ceiling cannot
  // outrank a claim it already holds, so a DSN never pays for the prose catalog's regexes.
  virtual Confidence ceiling() const = 0;
  // How sure the detector is that the notice is its kind; Confidence::none when it is not.
  virtual Confidence claim(const Notice& notice) const = 0;
  // What the notice says, read into envelope (the report with the notice's own headers filled).
  // nullopt when the notice yields nothing this detector can use: the next claim is read.
  virtual std::optional<BounceReport> read(const Notice& notice, BounceReport envelope) const = 0;
};

}  // namespace bounced::classifiers
