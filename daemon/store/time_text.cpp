#include "time_text.hpp"

#include <array>
#include <cctype>
#include <charconv>
#include <ctime>

namespace bounced::store {

namespace {

bool read_int(std::string_view& text, size_t digits, int& out) {
  if (text.size() < digits) return false;
  int value = 0;
  for (size_t i = 0; i < digits; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return false;
    value = value * 10 + (text[i] - '0');
  }
  out = value;
  text.remove_prefix(digits);
  return true;
}

bool expect(std::string_view& text, char c) {
  if (text.empty() || text.front() != c) return false;
  text.remove_prefix(1);
  return true;
}

std::optional<Time> make_time(int year, int month, int day, int hour, int minute, int second,
                              int offset_seconds) {
  using namespace std::chrono;
  const year_month_day date{std::chrono::year(year),
                            std::chrono::month(static_cast<unsigned>(month)),
                            std::chrono::day(static_cast<unsigned>(day))};
  if (!date.ok() || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  return sys_days(date) + hours(hour) + minutes(minute) + seconds(second) - seconds(offset_seconds);
}

// "Z", "+01:00", "+0100", "+01", "" (UTC)
bool read_offset(std::string_view& text, int& offset) {
  offset = 0;
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  if (text.empty()) return true;
  if (text.front() == 'Z' || text.front() == 'z') {
    text.remove_prefix(1);
    return true;
  }
  if (text == "UTC" || text == "UT" || text == "GMT") {
    text = {};
    return true;
  }
  const int sign = text.front() == '-' ? -1 : 1;
  if (text.front() != '+' && text.front() != '-') return false;
  text.remove_prefix(1);
  int hours = 0, minutes = 0;
  if (!read_int(text, 2, hours)) return false;
  if (!text.empty() && text.front() == ':') text.remove_prefix(1);
  if (!text.empty()) read_int(text, 2, minutes);
  offset = sign * (hours * 3600 + minutes * 60);
  return true;
}

}  // namespace

std::optional<Time> parse_iso_time(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.remove_suffix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
    text.remove_prefix(1);
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos &&
      text.size() >= 9) {
    long long seconds = 0;
    std::from_chars(text.data(), text.data() + text.size(), seconds);
    return Time(std::chrono::seconds(seconds));
  }
  int year, month, day, hour = 0, minute = 0, second = 0, offset = 0;
  if (!read_int(text, 4, year) || !expect(text, '-') || !read_int(text, 2, month) ||
      !expect(text, '-') || !read_int(text, 2, day)) {
    return std::nullopt;
  }
  if (!text.empty()) {
    if (text.front() != 'T' && text.front() != 't' && text.front() != ' ') return std::nullopt;
    text.remove_prefix(1);
    if (!read_int(text, 2, hour) || !expect(text, ':') || !read_int(text, 2, minute)) {
      return std::nullopt;
    }
    if (!text.empty() && text.front() == ':') {
      text.remove_prefix(1);
      if (!read_int(text, 2, second)) return std::nullopt;
    }
    if (!text.empty() && (text.front() == '.' || text.front() == ',')) {
      text.remove_prefix(1);
      while (!text.empty() && std::isdigit(static_cast<unsigned char>(text.front()))) {
        text.remove_prefix(1);
      }
    }
    if (!read_offset(text, offset) || !text.empty()) return std::nullopt;
  }
  return make_time(year, month, day, hour, minute, second, offset);
}

std::optional<std::chrono::seconds> parse_duration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  long long value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || value < 0) return std::nullopt;
  const std::string_view unit(end, static_cast<size_t>(text.data() + text.size() - end));
  long long scale = 0;
  if (unit.empty() || unit == "s")
    scale = 1;
  else if (unit == "m" || unit == "min")
    scale = 60;
  else if (unit == "h")
    scale = 3600;
  else if (unit == "d")
    scale = 86400;
  else if (unit == "w")
    scale = 7 * 86400;
  else
    return std::nullopt;
  return std::chrono::seconds(value * scale);
}

std::optional<Time> parse_since(std::string_view text, Time now) {
  // A bare number is Unix seconds to parse_iso_time; a duration needs its unit here.
  const bool has_unit = !text.empty() && !std::isdigit(static_cast<unsigned char>(text.back()));
  if (has_unit) {
    if (auto duration = parse_duration(text)) return now - *duration;
  }
  return parse_iso_time(text);
}

std::string format_iso_time(Time time) {
  const std::time_t t = time.time_since_epoch().count();
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

Time now_seconds() {
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

}  // namespace bounced::store
