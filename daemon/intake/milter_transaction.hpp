// One message as the MTA hands it to the milter, piece by piece (envelope, headers, body
// chunks), put back together into the bytes a delivery agent would have written: the
// Return-Path and Delivered-To lines Postfix's local(8) prepends (the parser reads the VERP
// token from Delivered-To), then the header block, then the body. No libmilter here.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace bounced::daemon::intake {

class MilterTransaction {
 public:
  // MAIL FROM: a new message on the connection.
  void start(std::string_view sender);
  // RCPT TO, as the MTA wrote it ("<a@b>"); `ours` when it matches the configured recipients.
  void add_recipient(std::string_view recipient, bool ours);
  // A header; `leading_space` when the MTA kept the whitespace after the colon
  // (SMFIP_HDR_LEADSPC negotiated), otherwise one space is put back.
  void add_header(std::string_view name, std::string_view value, bool leading_space);
  void end_of_headers();
  // Appends a body chunk; false once the message would exceed `limit` bytes.
  bool add_body(std::string_view chunk, std::size_t limit);

  bool has_our_recipients() const { return !ours_.empty(); }
  bool has_other_recipients() const { return others_ > 0; }
  const std::vector<std::string>& our_recipients() const { return ours_; }  // as in RCPT TO
  std::size_t size() const { return headers_.size() + body_.size(); }

  // The reassembled message; the transaction is empty afterwards.
  std::string take_message();

 private:
  std::string sender_;
  std::vector<std::string> ours_;
  std::size_t others_ = 0;
  std::string headers_;
  std::string body_;
};

// The address inside angle brackets, if any ("<a@b>" -> "a@b"); ESMTP parameters dropped.
std::string envelope_address(std::string_view argument);

// True when `patterns` is empty or one of them matches the address (fnmatch, case-folded).
bool recipient_matches(const std::vector<std::string>& patterns, std::string_view address);

}  // namespace bounced::daemon::intake
