#include "send_reader.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>

#include "address.hpp"

namespace bounced::store {

namespace {

enum class Field {
  send_id,
  message_id,
  verp_token,
  queue_id,
  recipient,
  campaign,
  list_id,
  customer,
  sent_at,
  reply_code,
  enhanced_status,
  reply_text,
  other
};

Field field_of(std::string name) {
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (name == "send_id") return Field::send_id;
  if (name == "message_id" || name == "message-id") return Field::message_id;
  if (name == "verp_token" || name == "verp") return Field::verp_token;
  if (name == "queue_id" || name == "queue-id") return Field::queue_id;
  if (name == "recipient" || name == "to" || name == "rcpt") return Field::recipient;
  if (name == "campaign" || name == "campaign_id") return Field::campaign;
  if (name == "list" || name == "list_id") return Field::list_id;
  if (name == "customer" || name == "customer_id") return Field::customer;
  if (name == "sent_at" || name == "time" || name == "timestamp") return Field::sent_at;
  if (name == "reply_code" || name == "smtp_code") return Field::reply_code;
  if (name == "enhanced_status" || name == "status" || name == "dsn") return Field::enhanced_status;
  if (name == "reply_text" || name == "reply" || name == "response") return Field::reply_text;
  return Field::other;
}

// Fills the record from one (field, value); returns an error message or "".
std::string set_field(SendRecord& record, Field field, std::string value, std::string& sent_at) {
  switch (field) {
    case Field::send_id:
      record.send_id = std::move(value);
      break;
    case Field::message_id:
      record.message_id = strip_angle_brackets(value);
      break;
    case Field::verp_token:
      record.verp_token = std::move(value);
      break;
    case Field::queue_id:
      record.queue_id = std::move(value);
      break;
    case Field::recipient:
      record.recipient = std::move(value);
      break;
    case Field::campaign:
      record.campaign = std::move(value);
      break;
    case Field::list_id:
      record.list_id = std::move(value);
      break;
    case Field::customer:
      record.customer = std::move(value);
      break;
    case Field::sent_at:
      sent_at = std::move(value);
      break;
    case Field::reply_code:
      record.reply_code = std::move(value);
      break;
    case Field::enhanced_status:
      record.enhanced_status = std::move(value);
      break;
    case Field::reply_text:
      record.reply_text = std::move(value);
      break;
    case Field::other:
      break;
  }
  return "";
}

// The checks shared by both formats, after the fields are set.
std::string finish(SendRecord& record, const std::string& sent_at) {
  if (record.recipient.empty()) return "missing recipient";
  const std::string normalized = normalize_address(record.recipient);
  if (normalized.empty()) return "recipient '" + record.recipient + "' is not an address";
  record.recipient = normalized;
  if (sent_at.empty()) return "missing sent_at";
  auto time = parse_iso_time(sent_at);
  if (!time) return "sent_at '" + sent_at + "' is not an ISO 8601 time or Unix seconds";
  record.sent_at = *time;
  if (record.send_id.empty()) record.send_id = record.message_id;
  if (record.send_id.empty()) return "missing send_id and message_id";
  if (!record.reply_code.empty() &&
      (record.reply_code.size() != 3 ||
       !std::all_of(record.reply_code.begin(), record.reply_code.end(),
                    [](char c) { return c >= '0' && c <= '9'; }))) {
    return "reply_code '" + record.reply_code + "' is not a three-digit SMTP code";
  }
  return "";
}

// One CSV record (may span physical lines inside quotes). Returns false at end of input.
// `line` advances by the physical lines consumed; `error` is set for an unterminated quote.
bool read_csv_record(std::istream& in, std::vector<std::string>& fields, size_t& line,
                     std::string& error) {
  fields.clear();
  std::string physical;
  if (!std::getline(in, physical)) return false;
  ++line;
  std::string field;
  bool quoted = false;
  size_t i = 0;
  while (true) {
    if (i >= physical.size()) {
      if (quoted) {
        std::string next;
        if (!std::getline(in, next)) {
          error = "unterminated quoted field";
          fields.push_back(std::move(field));
          return true;
        }
        ++line;
        field.push_back('\n');
        physical = std::move(next);
        i = 0;
        continue;
      }
      if (!field.empty() && field.back() == '\r') field.pop_back();
      fields.push_back(std::move(field));
      return true;
    }
    const char c = physical[i++];
    if (quoted) {
      if (c == '"') {
        if (i < physical.size() && physical[i] == '"') {
          field.push_back('"');
          ++i;
        } else {
          quoted = false;
        }
      } else {
        field.push_back(c);
      }
    } else if (c == '"' && field.empty()) {
      quoted = true;
    } else if (c == ',') {
      fields.push_back(std::move(field));
      field.clear();
    } else {
      field.push_back(c);
    }
  }
}

std::string json_string(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_null()) return "";
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

SendFormat guess_send_format(const std::string& path, std::istream& in) {
  auto ends_with = [&](std::string_view suffix) { return path.ends_with(suffix); };
  if (ends_with(".csv")) return SendFormat::csv;
  if (ends_with(".jsonl") || ends_with(".json") || ends_with(".ndjson")) return SendFormat::jsonl;
  return in.peek() == '{' ? SendFormat::jsonl : SendFormat::csv;
}

SendReadStats read_sends(std::istream& in, SendFormat format, size_t batch_size,
                         const std::function<bool(std::vector<SendRecord>&)>& on_batch,
                         const std::function<void(const SendReadError&)>& on_error) {
  SendReadStats stats;
  std::vector<SendRecord> batch;
  batch.reserve(batch_size);
  size_t line = 0;
  auto emit = [&](SendRecord&& record) {
    batch.push_back(std::move(record));
    ++stats.records;
    if (batch.size() >= batch_size) {
      const bool go_on = on_batch(batch);
      batch.clear();
      return go_on;
    }
    return true;
  };
  auto skip = [&](size_t at, std::string message) {
    ++stats.skipped;
    on_error({at, std::move(message)});
  };

  if (format == SendFormat::csv) {
    std::vector<std::string> header;
    std::string error;
    if (!read_csv_record(in, header, line, error)) return stats;
    if (!header.empty() && header[0].starts_with("\xEF\xBB\xBF")) header[0].erase(0, 3);  // BOM
    std::vector<Field> fields;
    bool has_recipient = false, has_time = false;
    for (const auto& name : header) {
      fields.push_back(field_of(name));
      has_recipient |= fields.back() == Field::recipient;
      has_time |= fields.back() == Field::sent_at;
    }
    if (!has_recipient || !has_time) {
      skip(1, "the header row must name at least recipient and sent_at columns");
      return stats;
    }
    std::vector<std::string> values;
    while (true) {
      const size_t start = line + 1;
      error.clear();
      if (!read_csv_record(in, values, line, error)) break;
      if (!error.empty()) {
        skip(start, error);
        continue;
      }
      if (values.size() == 1 && values[0].empty()) continue;  // blank line
      if (values.size() != header.size()) {
        skip(start, std::to_string(values.size()) + " fields, the header has " +
                        std::to_string(header.size()));
        continue;
      }
      SendRecord record;
      std::string sent_at;
      nlohmann::json attrs = nlohmann::json::object();
      for (size_t i = 0; i < values.size(); ++i) {
        if (fields[i] == Field::other) {
          if (!values[i].empty()) attrs[header[i]] = values[i];
        } else {
          set_field(record, fields[i], std::move(values[i]), sent_at);
        }
      }
      if (std::string problem = finish(record, sent_at); !problem.empty()) {
        skip(start, problem);
        continue;
      }
      if (!attrs.empty())
        record.attrs = attrs.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      if (!emit(std::move(record))) return stats;
    }
  } else {
    std::string text;
    while (std::getline(in, text)) {
      ++line;
      if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
      nlohmann::json object;
      try {
        object = nlohmann::json::parse(text);
      } catch (const nlohmann::json::exception& error) {
        // parse_error, and out_of_range for a number no double holds (1e400).
        skip(line, std::string("not JSON: ") + error.what());
        continue;
      }
      if (!object.is_object()) {
        skip(line, "not a JSON object");
        continue;
      }
      SendRecord record;
      std::string sent_at;
      nlohmann::json attrs = nlohmann::json::object();
      for (auto& [key, value] : object.items()) {
        const Field field = field_of(key);
        if (field == Field::other) {
          attrs[key] = value;
        } else {
          set_field(record, field, json_string(value), sent_at);
        }
      }
      if (std::string problem = finish(record, sent_at); !problem.empty()) {
        skip(line, problem);
        continue;
      }
      if (!attrs.empty())
        record.attrs = attrs.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      if (!emit(std::move(record))) return stats;
    }
  }
  if (!batch.empty()) on_batch(batch);
  return stats;
}

}  // namespace bounced::store
