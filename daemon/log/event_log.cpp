#include "log/event_log.hpp"

#include <fmt/chrono.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>

namespace bounced::daemon::log {

namespace {

std::string_view level_name(LogLevel level) {
  switch (level) {
    case LogLevel::debug:
      return "debug";
    case LogLevel::info:
      return "info";
    case LogLevel::warning:
      return "warning";
    case LogLevel::error:
      return "error";
  }
  return "info";
}

// logfmt has no standard; this follows what Heroku's and Go's logfmt readers accept: bare when
// the value has no space, quote, '=' or control character, else double-quoted with \" \\ \n.
void append_logfmt_value(std::string& out, std::string_view value) {
  bool bare = !value.empty();
  for (char c : value) {
    if (c == ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) < 0x20) {
      bare = false;
      break;
    }
  }
  if (bare) {
    out.append(value);
    return;
  }
  out.push_back('"');
  for (char c : value) {
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out.push_back('?');
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

// RFC 3339 in UTC with milliseconds: 2026-11-24T10:00:00.123Z.
std::string timestamp_now() {
  const auto now = std::chrono::system_clock::now();
  const auto seconds = std::chrono::floor<std::chrono::seconds>(now);
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(now - seconds);
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03}Z", seconds, millis.count());
}

}  // namespace

LogLevel parse_log_level(std::string_view text) {
  if (text == "debug") return LogLevel::debug;
  if (text == "warning") return LogLevel::warning;
  if (text == "error") return LogLevel::error;
  return LogLevel::info;
}

std::string format_event(LogFormat format, LogLevel level, std::string_view timestamp,
                         std::string_view event, std::span<const LogField> fields) {
  if (format == LogFormat::json) {
    nlohmann::ordered_json line;
    line["ts"] = timestamp;
    line["level"] = level_name(level);
    line["event"] = event;
    for (const auto& field : fields) {
      std::visit([&](const auto& value) { line[std::string(field.key())] = value; }, field.value());
    }
    return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  std::string out;
  out.reserve(128);
  out.append("ts=").append(timestamp);
  out.append(" level=").append(level_name(level));
  out.append(" event=");
  append_logfmt_value(out, event);
  for (const auto& field : fields) {
    out.push_back(' ');
    out.append(field.key());
    out.push_back('=');
    std::visit(
        [&](const auto& value) {
          using T = std::decay_t<decltype(value)>;
          if constexpr (std::is_same_v<T, std::string_view>) {
            append_logfmt_value(out, value);
          } else if constexpr (std::is_same_v<T, bool>) {
            out.append(value ? "true" : "false");
          } else if constexpr (std::is_same_v<T, double>) {
            out.append(fmt::format("{:.3f}", value));
          } else {
            out.append(std::to_string(value));
          }
        },
        field.value());
  }
  return out;
}

EventLog::EventLog(LogFormat format, LogLevel level)
    : logger_(std::make_shared<spdlog::logger>("bounced",
                                               std::make_shared<spdlog::sinks::stderr_sink_mt>())),
      format_(format),
      level_(level) {
  // The line is complete when it reaches spdlog; spdlog adds only the newline.
  logger_->set_pattern("%v");
  logger_->set_level(spdlog::level::trace);
  logger_->flush_on(spdlog::level::trace);
}

EventLog::~EventLog() = default;

void EventLog::configure(LogFormat format, LogLevel level) {
  format_.store(format);
  level_.store(level);
}

void EventLog::write(LogLevel level, std::string_view event, std::span<const LogField> fields) {
  const std::string line =
      format_event(format_.load(std::memory_order_relaxed), level, timestamp_now(), event, fields);
  static constexpr spdlog::level::level_enum levels[] = {spdlog::level::debug, spdlog::level::info,
                                                         spdlog::level::warn, spdlog::level::err};
  // The string_view overload writes the line as it is: no second formatting pass.
  logger_->log(levels[static_cast<int>(level)], spdlog::string_view_t(line.data(), line.size()));
}

bool parse_logfmt(std::string_view text, std::vector<std::pair<std::string, std::string>>& out) {
  out.clear();
  size_t at = 0;
  while (at < text.size()) {
    while (at < text.size() && text[at] == ' ') ++at;
    if (at == text.size()) break;
    const size_t equals = text.find('=', at);
    const size_t space = text.find(' ', at);
    if (equals == std::string_view::npos || (space != std::string_view::npos && space < equals) ||
        equals == at) {
      return false;
    }
    std::string key(text.substr(at, equals - at));
    std::string value;
    at = equals + 1;
    if (at < text.size() && text[at] == '"') {
      for (++at; at < text.size() && text[at] != '"'; ++at) {
        if (text[at] == '\\' && at + 1 < text.size()) {
          ++at;
          value.push_back(text[at] == 'n' ? '\n' : text[at]);
        } else {
          value.push_back(text[at]);
        }
      }
      if (at == text.size()) return false;  // unterminated quote
      ++at;
    } else {
      const size_t end = text.find(' ', at);
      value = std::string(text.substr(at, end == std::string_view::npos ? end : end - at));
      at = end == std::string_view::npos ? text.size() : end;
    }
    out.emplace_back(std::move(key), std::move(value));
  }
  return !out.empty();
}

namespace {

// spdlog's default logger, written through an EventLog.
class EventLogSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit EventLogSink(EventLog& log) : log_(log) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& message) override {
    const LogLevel level = message.level <= spdlog::level::debug  ? LogLevel::debug
                           : message.level == spdlog::level::info ? LogLevel::info
                           : message.level == spdlog::level::warn ? LogLevel::warning
                                                                  : LogLevel::error;
    if (!log_.enabled(level) && level != LogLevel::error) return;
    const std::string_view text(message.payload.data(), message.payload.size());
    std::vector<std::pair<std::string, std::string>> pairs;
    if (!parse_logfmt(text, pairs)) {
      const LogField field("text", text);
      log_.write(level, "message", std::span<const LogField>(&field, 1));
      return;
    }
    std::string event = "message";
    std::vector<LogField> fields;
    fields.reserve(pairs.size());
    for (const auto& [key, value] : pairs) {
      if (key == "event") {
        event = value;
      } else {
        fields.emplace_back(key, value);
      }
    }
    log_.write(level, event, fields);
  }
  void flush_() override {}

 private:
  EventLog& log_;
};

}  // namespace

void EventLog::install_as_default() {
  auto logger = std::make_shared<spdlog::logger>("default", std::make_shared<EventLogSink>(*this));
  logger->set_level(spdlog::level::trace);
  spdlog::set_default_logger(std::move(logger));
}

}  // namespace bounced::daemon::log
