#include "config.hpp"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>
#include <set>

#include "config/section_reader.hpp"
#include "config/sources_config.hpp"
#include "taxonomy.hpp"
#include "time_text.hpp"

namespace bounced::daemon {

namespace {

// The shared reader, plus the suppression policy's own shapes.
class Reader : public SectionReader {
 public:
  using SectionReader::duration;
  using SectionReader::SectionReader;

  // The policy's durations ("7d", "48h", "30m"), without a lower bound.
  void duration(const YAML::Node& parent, const char* key, std::chrono::seconds& out) {
    if (const YAML::Node node = parent[key]) {
      auto value = node.IsScalar() ? store::parse_duration(node.as<std::string>()) : std::nullopt;
      if (!value) return error(node, std::string(key) + ": not a duration (e.g. 7d, 48h, 30m)");
      out = *value;
    }
  }
  void category_rule(const YAML::Node& node, const std::string& name, store::CategoryRule& rule) {
    if (!map(node, name)) return;
    warn_unknown(node, {"action", "count", "within", "duration"}, name);
    if (const YAML::Node action = node["action"]) {
      const std::string value = action.IsScalar() ? action.as<std::string>() : std::string();
      if (value == "never")
        rule.mode = store::CategoryRule::Mode::never;
      else if (value == "immediate")
        rule.mode = store::CategoryRule::Mode::immediate;
      else if (value == "threshold")
        rule.mode = store::CategoryRule::Mode::threshold;
      else
        error(action, "action must be never, immediate or threshold");
    } else if (node["count"]) {
      rule.mode = store::CategoryRule::Mode::threshold;
    }
    integer(node, "count", rule.count, 1);
    duration(node, "within", rule.within);
    if (const YAML::Node d = node["duration"]) {
      if (d.IsScalar() && (d.as<std::string>() == "forever" || d.as<std::string>().empty())) {
        rule.duration.reset();
      } else {
        std::chrono::seconds value{};
        duration(node, "duration", value);
        rule.duration = value;
      }
    }
  }
  void categories(const YAML::Node& node, const std::string& section,
                  std::map<std::string, store::CategoryRule>& rules,
                  const std::map<std::string, store::CategoryRule>& base) {
    if (!map(node, section)) return;
    static const std::set<std::string> names = {"hard",      "soft",       "quota",
                                                "complaint", "auto_reply", "unknown"};
    warn_unknown(node, names, section);
    for (const auto& name : names) {
      if (const YAML::Node rule = node[name]) {
        store::CategoryRule value = base.contains(name) ? base.at(name) : store::CategoryRule{};
        category_rule(rule, section + "." + name, value);
        rules[name] = value;
      }
    }
  }
};

}  // namespace

bool LoadedConfig::ok() const {
  for (const auto& message : messages) {
    if (message.is_error) return false;
  }
  return true;
}

LoadedConfig load_config(const std::string& path) {
  LoadedConfig loaded;
  if (path.empty()) return loaded;
  Config& config = loaded.config;
  config.source_file = path;
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    loaded.messages.push_back({path + ": cannot read the file", true});
    return loaded;
  } catch (const YAML::ParserException& error) {
    loaded.messages.push_back({path + ":" + std::to_string(error.mark.line + 1) + ":" +
                                   std::to_string(error.mark.column + 1) + ": " + error.msg,
                               true});
    return loaded;
  }
  if (root.IsNull()) return loaded;
  Reader r(path, loaded.messages);
  if (!r.map(root, "the configuration")) return loaded;
  r.warn_unknown(root,
                 {"database", "state_dir", "rules", "verp", "join", "suppression",
                  "raw_retention_days", "ingest", "sources", "log", "pipeline", "limits"},
                 "");
  if (const YAML::Node db = root["database"]; db && r.map(db, "database")) {
    r.warn_unknown(db, {"url", "pg_bin_dir"}, "database");
    r.string(db, "url", config.database_url);
    r.path(db, "pg_bin_dir", config.pg_bin_dir);
  }
  r.path(root, "state_dir", config.state_dir);
  if (const YAML::Node rules = root["rules"]; rules && r.map(rules, "rules")) {
    r.warn_unknown(rules, {"dirs", "formats"}, "rules");
    if (const YAML::Node dirs = rules["dirs"]; dirs && !dirs.IsNull()) {
      if (dirs.IsSequence()) {
        for (const auto& dir : dirs) {
          const std::string resolved = r.path(dir);
          std::error_code error;
          if (!resolved.empty() && !std::filesystem::is_directory(resolved, error)) {
            r.error(dir, "rules.dirs: " + resolved + " is not a directory");
          }
          if (!resolved.empty()) config.rules_dirs.push_back(resolved);
        }
      } else {
        r.error(dirs, "rules.dirs must be a list");
      }
    }
    r.path(rules, "formats", config.formats_dir);
    std::error_code error;
    if (!config.formats_dir.empty() && !std::filesystem::is_directory(config.formats_dir, error)) {
      r.error(rules["formats"], "rules.formats: " + config.formats_dir + " is not a directory");
    }
  }
  if (const YAML::Node verp = root["verp"]; verp && r.map(verp, "verp")) {
    r.warn_unknown(verp, {"prefix", "separator", "domains"}, "verp");
    r.string(verp, "prefix", config.verp_prefix);
    r.string(verp, "separator", config.verp_separator);
    if (config.verp_separator.size() != 1)
      r.error(verp["separator"], "verp.separator must be one character");
    for (std::string domain : r.strings(verp["domains"], "verp.domains")) {
      for (auto& c : domain) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      config.bounce_domains.push_back(domain);
    }
  }
  if (const YAML::Node join = root["join"]; join && r.map(join, "join")) {
    r.warn_unknown(join, {"header", "window"}, "join");
    r.string(join, "header", config.join.header);
    r.duration(join, "window", config.join.window);
  }
  if (const YAML::Node policy = root["suppression"]; policy && r.map(policy, "suppression")) {
    r.warn_unknown(policy, {"categories", "domains", "success_window", "complaint_reasons"},
                   "suppression");
    if (const YAML::Node categories = policy["categories"]) {
      const auto base = config.suppression.categories;
      r.categories(categories, "suppression.categories", config.suppression.categories, base);
    }
    if (const YAML::Node domains = policy["domains"];
        domains && !domains.IsNull() && r.map(domains, "suppression.domains")) {
      for (const auto& item : domains) {
        std::string domain = item.first.as<std::string>();
        for (auto& c : domain) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        r.categories(item.second, "suppression.domains." + domain,
                     config.suppression.domains[domain], config.suppression.categories);
      }
    }
    r.duration(policy, "success_window", config.suppression.success_window);
    if (const YAML::Node reasons = policy["complaint_reasons"]) {
      config.suppression.complaint_reasons.clear();
      for (const auto& reason : r.strings(reasons, "suppression.complaint_reasons")) {
        const rules::ReasonInfo* info = rules::find_reason(reason);
        if (!info || info->category != rules::Category::complaint) {
          r.error(reasons, "suppression.complaint_reasons: '" + reason +
                               "' is not a complaint reason (see `bounced rules reasons`)");
          continue;
        }
        config.suppression.complaint_reasons.insert(reason);
      }
    }
  }
  r.integer(root, "raw_retention_days", config.raw_retention_days, 0);
  if (const YAML::Node ingest = root["ingest"]; ingest && r.map(ingest, "ingest")) {
    r.warn_unknown(ingest, {"batch_size", "processed_folder", "quarantine_dir"}, "ingest");
    r.integer(ingest, "batch_size", config.batch_size, 1);
    r.string(ingest, "processed_folder", config.processed_folder);
    r.path(ingest, "quarantine_dir", config.quarantine_dir);
  }
  if (const YAML::Node limits = root["limits"]; limits && r.map(limits, "limits")) {
    r.warn_unknown(limits,
                   {"max_message_size", "max_mime_parts", "max_mime_depth", "max_header_size",
                    "max_header_fields", "max_recipients", "max_diagnostic_size"},
                   "limits");
    classifiers::MessageLimits& l = config.limits;
    r.integer(limits, "max_message_size", l.max_message_size, 1024);
    r.integer(limits, "max_mime_parts", l.max_mime_parts, 1);
    r.integer(limits, "max_mime_depth", l.max_mime_depth, 1);
    r.integer(limits, "max_header_size", l.max_header_size, 998);
    r.integer(limits, "max_header_fields", l.max_header_fields, 10);
    r.integer(limits, "max_recipients", l.max_recipients, 1);
    r.integer(limits, "max_diagnostic_size", l.max_diagnostic_size, 64);
  }
  read_daemon_config(root, path, config.daemon, loaded.messages);
  return loaded;
}

std::string config_path(const std::string& given) {
  if (!given.empty()) return given;
  if (const char* env = std::getenv("BOUNCED_CONFIG"); env && *env) return env;
  std::error_code error;
  if (std::filesystem::exists("/etc/bounced/bounced.yaml", error)) {
    return "/etc/bounced/bounced.yaml";
  }
  return "";
}

std::string effective_state_dir(const Config& config) {
  namespace fs = std::filesystem;
  if (!config.state_dir.empty()) return config.state_dir;
  std::error_code error;
  if (fs::exists("CMakeLists.txt", error) && fs::is_directory("schema", error)) {
    return (fs::current_path() / ".state").string();
  }
  return "/var/lib/bounced";
}

}  // namespace bounced::daemon
