// One structured line per event, through spdlog, in logfmt or JSON:
//   ts=2026-11-24T10:00:00.123Z level=info event=stored source=bounces name=1732.M1P2.host ...
//   {"ts":"2026-11-24T10:00:00.123Z","level":"info","event":"stored","source":"bounces",...}
// Lines go to standard error, which systemd hands to the journal. The format and level can be
// changed while running (SIGHUP); writing is thread-safe.
#pragma once

#include <atomic>
#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "config/daemon_config.hpp"

namespace spdlog {
class logger;
}

namespace bounced::daemon::log {

enum class LogLevel { debug, info, warning, error };

// "debug", "info", "warning", "error" (as in bounced.yaml's log.level).
LogLevel parse_log_level(std::string_view text);

// A key and its value for the duration of one call (the value is not copied).
class LogField {
 public:
  using Value = std::variant<std::string_view, long long, double, bool>;
  LogField(std::string_view key, std::string_view value) : key_(key), value_(value) {}
  LogField(std::string_view key, const std::string& value) : key_(key), value_(value) {}
  LogField(std::string_view key, const char* value) : key_(key), value_(std::string_view(value)) {}
  LogField(std::string_view key, bool value) : key_(key), value_(value) {}
  LogField(std::string_view key, double value) : key_(key), value_(value) {}
  template <std::integral Int>
  requires(!std::same_as<Int, bool>) LogField(std::string_view key, Int value)
      : key_(key), value_(static_cast<long long>(value)) {}

  std::string_view key() const { return key_; }
  const Value& value() const { return value_; }

 private:
  std::string_view key_;
  Value value_;
};

class EventLog {
 public:
  EventLog(LogFormat format, LogLevel level);
  ~EventLog();
  EventLog(const EventLog&) = delete;
  EventLog& operator=(const EventLog&) = delete;

  void configure(LogFormat format, LogLevel level);
  bool enabled(LogLevel level) const { return level >= level_.load(std::memory_order_relaxed); }

  void write(LogLevel level, std::string_view event, std::span<const LogField> fields);
  void write(LogLevel level, std::string_view event, std::initializer_list<LogField> fields) {
    write(level, event, std::span<const LogField>(fields.begin(), fields.size()));
  }

  // Makes spdlog's default logger write through this log, so what libraries and sources log
  // with spdlog::info("source={} event=...") comes out in the same format: its key=value
  // pairs become fields (event= names the event; text that is no key=value list becomes
  // event=message text="...").
  void install_as_default();
  void debug(std::string_view event, std::initializer_list<LogField> fields = {}) {
    if (enabled(LogLevel::debug)) write(LogLevel::debug, event, fields);
  }
  void info(std::string_view event, std::initializer_list<LogField> fields = {}) {
    if (enabled(LogLevel::info)) write(LogLevel::info, event, fields);
  }
  void warning(std::string_view event, std::initializer_list<LogField> fields = {}) {
    if (enabled(LogLevel::warning)) write(LogLevel::warning, event, fields);
  }
  void error(std::string_view event, std::initializer_list<LogField> fields = {}) {
    write(LogLevel::error, event, fields);
  }

 private:
  std::shared_ptr<spdlog::logger> logger_;
  std::atomic<LogFormat> format_;
  std::atomic<LogLevel> level_;
};

// The line as it is written, without the trailing newline (for tests).
std::string format_event(LogFormat format, LogLevel level, std::string_view timestamp,
                         std::string_view event, std::span<const LogField> fields);
inline std::string format_event(LogFormat format, LogLevel level, std::string_view timestamp,
                                std::string_view event, std::initializer_list<LogField> fields) {
  return format_event(format, level, timestamp, event,
                      std::span<const LogField>(fields.begin(), fields.size()));
}

// "key=value key2=\"quoted value\"" into pairs; false when the text is not such a list.
bool parse_logfmt(std::string_view text, std::vector<std::pair<std::string, std::string>>& out);

}  // namespace bounced::daemon::log
