// Timestamps as they appear in send logs, mail headers and command lines.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace bounced::store {

using Time = std::chrono::sys_seconds;

// "2024-11-20T10:00:00Z", "2024-11-20 10:00:00+01:00", "2024-11-20T10:00:00.123+0100",
// "2024-11-20" (midnight UTC), or Unix seconds "1732096800".
std::optional<Time> parse_iso_time(std::string_view text);

// "7d", "48h", "30m", "90s", "2w", or plain seconds.
std::optional<std::chrono::seconds> parse_duration(std::string_view text);

// A point in time as every --since takes it: a duration back from `now` ("7d", "48h") or a
// time as parse_iso_time reads it ("2026-01-08T09:00:00Z", "2026-01-08").
std::optional<Time> parse_since(std::string_view text, Time now);

// "2024-11-20T10:00:00Z"
std::string format_iso_time(Time time);

Time now_seconds();

}  // namespace bounced::store
