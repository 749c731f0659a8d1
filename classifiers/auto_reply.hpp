// RFC 3834 auto-replies and challenge-response requests: never bounces, whatever they say.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "format_catalog.hpp"

namespace bounced::classifiers {

// Mail from MAILER-DAEMON, postmaster and the like is a bounce, never an auto-reply, even with
// "Auto-Submitted: auto-replied" (which RFC 3834 asks bounces to carry too).
bool is_system_sender(std::string_view from);

// The header fields that mark an automatic reply, as the notice carries them ("" when absent).
struct AutoReplyHeaders {
  std::string auto_submitted;  // RFC 3834
  std::string precedence;      // "auto_reply" (older responders)
  bool vendor_marker = false;  // X-Autoreply, X-Autorespond, X-Autoresponder, X-Vacation
  // An Exchange mailbox rule answered (the Out of Office assistant or a "reply with" rule):
  // X-MS-Exchange-Inbox-Rules-Loop beside X-Auto-Response-Suppress: All. Either alone is no
  // reply: the first also marks a rule's forward, the second any mail that wants no OOF back.
  bool exchange_rule_reply = false;
  // List-Id, List-Unsubscribe, List-Post (RFC 2919, 2369) or Precedence: list: mail sent to a
  // list, whose subject may say "out of office" without anyone being away.
  bool list_mail = false;
};

struct AutoReplySignal {
  std::string subtype;  // "vacation" or "challenge_response"
  bool by_header;       // marked by a header field, not only by its wording
  // The header is one that bounces carry too (RFC 3834 asks a DSN for Auto-Submitted:
  // auto-replied) or that a mailbox rule's forward carries: the notice's layout may outrank it.
  bool mark_shared_with_bounces = false;
};

// What the notice itself wrote, as opposed to what it quotes: `own_body` is the text before a
// returned original starts, `quotes_bounce_subject(prefix)` says whether the subject's words
// before the vacation words are a bounce's ("Undeliverable: Automatic reply: ...").
struct AutoReplyText {
  std::string_view subject;
  std::string_view own_body;
  std::function<bool(std::string_view prefix)> quotes_bounce_subject;
};

// Whether a message from `from` is an auto-reply, and on what evidence: the headers above, the
// catalog's vacation subjects, its challenge-response subjects and body wording.
std::optional<AutoReplySignal> auto_reply_signal(const AutoReplyHeaders& headers,
                                                 std::string_view from, const AutoReplyText& text,
                                                 const AutoReplySignals& signals);

}  // namespace bounced::classifiers
