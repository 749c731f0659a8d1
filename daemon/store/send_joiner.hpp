// Finds the send an asynchronous verdict answers. Methods, in order of trust:
//   verp             the VERP token of the address the bounce was sent to = sends.verp_token
//   message_id       the returned original's Message-ID = sends.message_id, same recipient (or
//                    Original-Recipient); a different address only when the report has one
//                    recipient and the message was sent to one recipient
//   header           a configured header of the returned original (X-Bounced-Send-Id) =
//                    sends.send_id, with the same recipient rule
//   recipient_window the newest send to the same recipient within the window before the bounce
// The method is recorded in bounces.join_method. A bounce that arrives before its send is known
// stays unjoined and is joined by join_late() when sends arrive (joined_late = true); a
// recipient_window join, a guess made with the sends known then, is replaced when a send that
// matches by VERP, Message-ID or header arrives later.
#pragma once

#include <chrono>
#include <string>

#include "database.hpp"
#include "time_text.hpp"

namespace bounced::store {

struct JoinOptions {
  std::string header = "X-Bounced-Send-Id";
  std::chrono::seconds window{std::chrono::days(7)};
};

struct JoinCounts {
  size_t verp = 0, message_id = 0, header = 0, recipient_window = 0;
  size_t total() const { return verp + message_id + header + recipient_window; }
};

class SendJoiner {
 public:
  explicit SendJoiner(JoinOptions options) : options_(std::move(options)) {}

  // Joins every unjoined bounce received at or after `since` (late joins after a send import).
  Result<JoinCounts> join_late(Database& database, Time since) const;

  const JoinOptions& options() const { return options_; }

 private:
  JoinOptions options_;
};

}  // namespace bounced::store
