// Reading bounced.yaml with every problem located: "file:line:column: text" (yaml-cpp marks are
// 0-based), errors for bad values, warnings for unknown keys, paths relative to the file's
// directory. Used for every section: config.cpp's, the daemon's and each source's options.
#pragma once

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <chrono>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <type_traits>
#include <vector>

#include "config/config.hpp"
#include "time_text.hpp"

namespace bounced::daemon {

// Locates and reports problems the way config.cpp does: file:line:column (yaml-cpp marks are
// 0-based), errors for bad values, warnings for unknown keys.
class SectionReader {
  using Path = std::filesystem::path;

 public:
  SectionReader(std::string file, std::vector<ConfigMessage>& messages)
      : file_(std::move(file)), messages_(messages) {}

  std::string where(const YAML::Node& node) const {
    const YAML::Mark mark = node.Mark();
    return file_ + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
  }
  void error(const YAML::Node& node, const std::string& text) {
    messages_.push_back({where(node) + ": " + text, true});
  }
  void warn_unknown(const YAML::Node& map, const std::set<std::string>& known,
                    const std::string& section) {
    if (!map.IsMap()) return;
    for (const auto& item : map) {
      const std::string key = item.first.as<std::string>();
      if (!known.contains(key)) {
        messages_.push_back({where(item.first) + ": unknown key '" + key + "'" +
                                 (section.empty() ? "" : " in " + section) + " (ignored)",
                             false});
      }
    }
  }
  bool map(const YAML::Node& node, const std::string& what) {
    if (node.IsMap()) return true;
    error(node, what + " must be a mapping");
    return false;
  }
  bool string(const YAML::Node& parent, const char* key, std::string& out) {
    const YAML::Node node = parent[key];
    if (!node) return false;
    if (!node.IsScalar()) {
      error(node, std::string(key) + " must be a string");
      return false;
    }
    out = node.as<std::string>();
    return true;
  }
  void boolean(const YAML::Node& parent, const char* key, bool& out) {
    const YAML::Node node = parent[key];
    if (!node) return;
    try {
      out = node.as<bool>();
    } catch (const YAML::Exception&) {
      error(node, std::string(key) + " must be true or false");
    }
  }
  // The index of the value among `names`, or nothing (absent, or an error reported).
  std::optional<size_t> choice(const YAML::Node& parent, const char* key,
                               const std::vector<std::string>& names) {
    std::string value;
    if (!string(parent, key, value)) return std::nullopt;
    for (size_t i = 0; i < names.size(); ++i) {
      if (names[i] == value) return i;
    }
    std::string list;
    for (const auto& name : names) list += (list.empty() ? "" : " | ") + name;
    error(parent[key], std::string(key) + " must be one of " + list);
    return std::nullopt;
  }
  void strings(const YAML::Node& parent, const char* key, std::vector<std::string>& out) {
    const YAML::Node node = parent[key];
    if (!node) return;
    if (!node.IsSequence()) return error(node, std::string(key) + " must be a list");
    out.clear();
    for (const auto& item : node) out.push_back(item.as<std::string>());
  }
  bool has_errors() const {
    for (const auto& message : messages_) {
      if (message.is_error) return true;
    }
    return false;
  }
  // A path as written, made absolute against the configuration file's directory.
  std::string path(const YAML::Node& node) {
    if (!node.IsScalar()) {
      error(node, "must be a path");
      return "";
    }
    const std::string value = node.as<std::string>();
    if (value.empty() || Path(value).is_absolute()) return value;
    return (std::filesystem::absolute(file_).parent_path() / value).lexically_normal().string();
  }
  void path(const YAML::Node& parent, const char* key, std::string& out) {
    if (const YAML::Node node = parent[key]) out = path(node);
  }
  // A list of strings (or one string).
  std::vector<std::string> strings(const YAML::Node& node, const std::string& what) {
    std::vector<std::string> out;
    if (!node || node.IsNull()) return out;
    if (node.IsScalar()) return {node.as<std::string>()};
    if (!node.IsSequence()) {
      error(node, what + " must be a list");
      return out;
    }
    for (const auto& item : node) {
      if (item.IsScalar()) {
        out.push_back(item.as<std::string>());
      } else {
        error(item, what + " entries must be strings");
      }
    }
    return out;
  }
  template <typename Int>
  void integer(const YAML::Node& parent, const char* key, Int& out, long long min) {
    const YAML::Node node = parent[key];
    if (!node) return;
    try {
      const long long value = node.as<long long>();
      if (value < min) {
        return error(node, std::string(key) + " must be at least " + std::to_string(min));
      }
      out = static_cast<Int>(value);
    } catch (const YAML::Exception&) {
      error(node, std::string(key) + " must be an integer");
    }
  }
  // "250ms", or what store::parse_duration reads ("30s", "5m", "2h", "7d").
  template <typename Duration>
  void duration(const YAML::Node& parent, const char* key, Duration& out, Duration min) {
    const YAML::Node node = parent[key];
    if (!node) return;
    const auto value = node.IsScalar() ? parse_millis(node.as<std::string>()) : std::nullopt;
    if (!value) return error(node, std::string(key) + ": not a duration (e.g. 250ms, 30s, 5m)");
    if (*value < min) {
      return error(node, std::string(key) + " must be at least " + std::to_string(min.count()) +
                             (std::is_same_v<Duration, std::chrono::seconds> ? "s" : "ms"));
    }
    out = std::chrono::duration_cast<Duration>(*value);
  }

 private:
  static std::optional<std::chrono::milliseconds> parse_millis(const std::string& text) {
    if (text.ends_with("ms")) {
      long long value = 0;
      const auto [end, error] = std::from_chars(text.data(), text.data() + text.size() - 2, value);
      if (error != std::errc() || end != text.data() + text.size() - 2 || value < 0) {
        return std::nullopt;
      }
      return std::chrono::milliseconds(value);
    }
    const auto seconds = store::parse_duration(text);
    if (!seconds) return std::nullopt;
    return std::chrono::duration_cast<std::chrono::milliseconds>(*seconds);
  }

  std::string file_;
  std::vector<ConfigMessage>& messages_;
};

}  // namespace bounced::daemon
