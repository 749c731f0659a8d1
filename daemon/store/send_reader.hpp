// Streaming readers for send logs: CSV with a header row (RFC 4180 quoting, fields may span
// lines) and JSON Lines. Known columns fill SendRecord; every other column goes to attrs.
// Every error names the file and the line the record starts on; a bad record is skipped and
// reading goes on.
//
// Columns: send_id, message_id, verp_token, queue_id (the MTA's, when the sender logs it),
// recipient (required), campaign, list (or list_id), customer, sent_at (required; ISO 8601 or
// Unix seconds), reply_code, enhanced_status, reply_text. A record without send_id uses its
// message_id.
#pragma once

#include <functional>
#include <istream>
#include <string>
#include <vector>

#include "send_record.hpp"

namespace bounced::store {

enum class SendFormat { csv, jsonl };

// By extension (.csv / .jsonl / .json / .ndjson), else by the first byte ('{' = jsonl).
SendFormat guess_send_format(const std::string& path, std::istream& in);

struct SendReadError {
  size_t line = 0;
  std::string message;
  std::string to_string(const std::string& file) const {
    return file + ":" + std::to_string(line) + ": " + message;
  }
};

struct SendReadStats {
  size_t records = 0;
  size_t skipped = 0;
};

// Calls on_batch with up to batch_size records at a time; on_batch returns false to stop.
// on_error is called for each bad record.
SendReadStats read_sends(std::istream& in, SendFormat format, size_t batch_size,
                         const std::function<bool(std::vector<SendRecord>&)>& on_batch,
                         const std::function<void(const SendReadError&)>& on_error);

}  // namespace bounced::store
