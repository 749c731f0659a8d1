// A message between the classify pool and the batching writer: the record to store (or why the
// mail could not be read), and what is needed to acknowledge it in its source afterwards.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "bounce_store.hpp"
#include "intake/source.hpp"

namespace bounced::daemon::service {

struct ParsedMessage {
  intake::IncomingMessage message;  // its bytes moved into record.raw (or raw_unreadable)
  std::optional<store::BounceRecord> record;
  std::string error;           // set when the mail could not be read (record is empty)
  std::string raw_unreadable;  // the bytes of such mail, for the quarantine
  bool not_bounce = false;     // ReportKind::not_bounce: stored as counted, never deleted
  std::string verdicts;        // "address=category/reason ..." for the log line

  std::size_t weight() const {
    return raw_unreadable.size() + (record ? record->raw.size() + record->raw_gz_hex.size() : 0);
  }
};

}  // namespace bounced::daemon::service
