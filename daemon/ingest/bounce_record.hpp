// The pipeline's ClassifiedMessage as the store wants it: flat strings, the join keys picked
// out (VERP token of the envelope recipient, the configured send-id header), and the time the
// bounce was received.
#pragma once

#include <string>
#include <string_view>

#include "bounce_store.hpp"
#include "pipeline.hpp"

namespace bounced::daemon {

struct RecordOptions {
  std::string join_header = "X-Bounced-Send-Id";
  std::string verp_prefix;
  char verp_separator = '+';
};

// received_at: when bounced received the mail (a Maildir file's delivery time, IMAP's
// INTERNALDATE, or now) - what windows, partitions and --since go by. The report's Date header,
// written by a stranger's clock, is only kept as text.
store::BounceRecord to_bounce_record(const ClassifiedMessage& message, std::string raw,
                                     store::Time received_at, const RecordOptions& options);

}  // namespace bounced::daemon
