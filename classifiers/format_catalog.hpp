// The knowledge of how each MTA writes a bounce as prose, loaded from YAML
// (rules/formats/*.yaml, documented in rules/README.md) and compiled once. Immutable after load,
// so one catalog serves every thread.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace re2 {
class RE2;
class Set;
}  // namespace re2

namespace bounced::classifiers {

// How one MTA family's prose bounce is laid out.
struct TextBounceFormat {
  std::string id;  // "qmail", "exim", ... reported as the report's format
  std::string description;
  std::string source;                             // file:line it came from, for messages
  std::shared_ptr<const re2::RE2> section_start;  // failure text begins after this (optional)
  std::shared_ptr<const re2::RE2> section_end;    // the returned original begins here (optional)
  // A line that introduces one failed recipient; group 1 is the address. Optional: without it
  // every address in the failure section that is not the sender's is a recipient.
  std::shared_ptr<const re2::RE2> recipient;
  // The explanation is the rest of the recipient's own line only (Sendmail V5 transcripts put
  // other hosts' lines between recipients), instead of everything up to the next recipient.
  bool diagnostic_on_recipient_line = false;
  // Detected by words any bounce may use (a MAILER-DAEMON sender, "undeliverable" in a subject),
  // not by an MTA's own layout: it never outranks a notice's structure.
  bool fallback = false;
  // What the notice says happened to each recipient it names: "failed", or "delivered" for an
  // MTA's success notice (Postfix's success template), which is no bounce.
  std::string action = "failed";
};

// Which prose format a notice looks like, and on what evidence.
struct FormatMatch {
  const TextBounceFormat* format = nullptr;  // nullptr: no format recognised
  // A body marker of a specific format matched: the MTA's own template sentence or section
  // marker, i.e. the notice's layout. False when only a sender, a subject or a fallback
  // format's words matched.
  bool by_layout = false;
};

// Words and headers that mark an auto-reply (RFC 3834) or a challenge-response request.
struct AutoReplySignals {
  std::shared_ptr<const re2::RE2> vacation_subject;
  // An out-of-office sentence at the start of the body, for replies that carry neither an
  // RFC 3834 header nor a telling subject ("Re: your order" from a plain responder).
  std::shared_ptr<const re2::RE2> vacation_body;
  std::shared_ptr<const re2::RE2> challenge_subject;
  std::shared_ptr<const re2::RE2> challenge_body;
};

struct CatalogError {
  std::string message;  // "rules/formats/qmail.yaml:12:5: ..."
};

class FormatCatalog;
using CatalogResult = std::variant<std::shared_ptr<const FormatCatalog>, CatalogError>;

class FormatCatalog {
 public:
  // Loads every *.yaml in dir, in name order.
  static CatalogResult load_directory(const std::string& dir);
  // Loads YAML documents given as (source name, text) pairs; used by tests.
  static CatalogResult load_documents(const std::vector<std::pair<std::string, std::string>>& docs);

  ~FormatCatalog();
  FormatCatalog(const FormatCatalog&) = delete;
  FormatCatalog& operator=(const FormatCatalog&) = delete;

  // The format whose detection matches on the strongest evidence: a body marker (layout) of a
  // specific format before a sender or subject match, and among equals the first in load order.
  // The generic bounce signals (mailer-daemon senders, bounce subjects) are a fallback format of
  // their own, "generic", placed last by its file name. One pass of each field's RE2::Set.
  FormatMatch detect(std::string_view from, std::string_view subject, std::string_view body) const;

  // The SMTP reply an MTA quotes as the last error of a delivery it gave up on ("The last error
  // was: 452 4.2.2 Mailbox full", "The error that the other server returned was: ..."): the
  // marker and the text after it to the end of its paragraph; "" if none.
  std::string_view find_last_error(std::string_view body) const;

  // Where the returned original begins in a failure text: the first of the shared markers
  // ("--- Below this line is a copy of the message.", ...). npos if none.
  size_t find_original_marker(std::string_view body) const;

  const AutoReplySignals& auto_reply() const { return auto_reply_; }
  const std::vector<TextBounceFormat>& formats() const { return formats_; }

 private:
  FormatCatalog();
  struct Detection;
  std::vector<TextBounceFormat> formats_;
  std::unique_ptr<Detection> detection_;
  std::shared_ptr<const re2::RE2> original_markers_;
  std::shared_ptr<const re2::RE2> last_error_markers_;
  AutoReplySignals auto_reply_;
};

}  // namespace bounced::classifiers
