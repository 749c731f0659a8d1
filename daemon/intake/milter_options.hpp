// What the milter source is told by bounced.yaml (`sources:` entries of `type: milter`).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace bounced::daemon::intake {

// What the MTA is told once a message's rows committed.
enum class MilterOnStored {
  discard,  // SMFIS_DISCARD: the MTA drops it (bounced has it); mixed-recipient mail is accepted
            // with the bounce recipients removed, so the other recipients still get it
  accept,   // SMFIS_ACCEPT: the MTA delivers it as usual as well (a copy in the mailbox)
};

struct MilterSourceOptions {
  std::string name = "milter";
  // libmilter's connection spec: "unix:/run/bounced/milter.sock" or "inet:8891@127.0.0.1"
  // (Postfix: smtpd_milters = unix:/run/bounced/milter.sock or inet:127.0.0.1:8891).
  std::string socket;
  unsigned socket_mode = 0660;  // permissions of a unix: socket (the MTA's user must connect)
  // Envelope recipients whose mail is bounced's: shell patterns matched without regard to case
  // ("bounces@example.com", "bounces+*@example.com", "*@bounces.example.com"). Empty = every
  // message the MTA hands over. Mail with none of them is accepted untouched.
  std::vector<std::string> recipients;
  MilterOnStored on_stored = MilterOnStored::discard;
  // How long a message may wait for its commit before the MTA is told to try again later.
  // Keep it below the MTA's own limit (Postfix milter_content_timeout, 300 s by default).
  std::chrono::seconds answer_timeout{240};
  // On stop, messages still waiting get this long to commit; the rest are tempfailed.
  std::chrono::seconds drain_timeout{10};
  std::chrono::seconds mta_timeout{300};  // libmilter's read/write timeout towards the MTA
  int backlog = 64;                       // listen(2) backlog
  // Larger mail is not taken: it is accepted untouched and logged.
  std::size_t max_message_bytes = 64u << 20;
};

}  // namespace bounced::daemon::intake
