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

// received_at: the report's Date header, else `fallback` (file mtime or now).
store::BounceRecord to_bounce_record(const ClassifiedMessage& message, std::string raw,
                                     store::Time fallback, const RecordOptions& options);

}  // namespace bounced::daemon
