// How a message's bytes were stored is not the sender's fault, and never a reason to refuse it:
// leading blank lines, an mbox "From " separator (or its mboxrd-quoted ">From "), a UTF-8
// byte-order mark and bare CR line ends (old Mac mail) are undone here before GMime reads the
// message, each odd one with a warning. CRLF line ends, a missing final newline and 8-bit header
// text need nothing: GMime reads them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace bounced::classifiers {

// Holds a view of the raw bytes given to it: they must outlive the FramedMessage.
class FramedMessage {
 public:
  explicit FramedMessage(std::string_view raw);
  FramedMessage(const FramedMessage&) = delete;
  FramedMessage& operator=(const FramedMessage&) = delete;

  // The message from its first header field on, with LF or CRLF line ends.
  std::string_view bytes() const { return rewritten_ ? std::string_view(storage_) : view_; }
  // "framing: ..." notes on what was odd and undone.
  const std::vector<std::string>& warnings() const { return warnings_; }

 private:
  std::string_view view_;
  std::string storage_;  // only when line ends had to be rewritten
  bool rewritten_ = false;
  std::vector<std::string> warnings_;
};

}  // namespace bounced::classifiers
