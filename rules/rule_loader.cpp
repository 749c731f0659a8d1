#include "rule_loader.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace bounced::rules {

namespace {

std::string where(const std::string& source, const YAML::Mark& mark) {
  return source + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
}

std::string where(const std::string& source, const YAML::Node& node) {
  return where(source, node.Mark());
}

// A problem that ends the current file: one located diagnostic is clearer than a cascade.
struct FileError {
  RuleDiagnostic diagnostic;
};

[[noreturn]] void fail(const std::string& source, const YAML::Node& node, std::string message) {
  throw FileError{{where(source, node), std::move(message), true}};
}

std::string scalar(const std::string& source, const YAML::Node& node, const char* what) {
  if (!node.IsScalar()) fail(source, node, std::string(what) + " must be a string");
  return node.as<std::string>();
}

std::vector<std::string> string_list(const std::string& source, const YAML::Node& node,
                                     const char* what) {
  std::vector<std::string> out;
  if (!node || node.IsNull()) return out;
  if (node.IsScalar()) {
    out.push_back(node.as<std::string>());
    return out;
  }
  if (!node.IsSequence()) fail(source, node, std::string(what) + " must be a string or a list");
  for (const auto& item : node) out.push_back(scalar(source, item, what));
  return out;
}

void warn_unknown_keys(const std::string& source, const YAML::Node& map,
                       std::initializer_list<std::string_view> known,
                       std::vector<RuleDiagnostic>& diagnostics) {
  for (const auto& entry : map) {
    const auto key = entry.first.as<std::string>();
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      diagnostics.push_back(
          {where(source, entry.first), "unknown key '" + key + "' ignored", false});
    }
  }
}

bool is_valid_glob(std::string_view glob) {
  return !glob.empty() && glob.find_first_not_of("0123456789.*") == std::string_view::npos;
}

}  // namespace

bool LoadedRules::ok() const {
  return std::none_of(diagnostics.begin(), diagnostics.end(),
                      [](const RuleDiagnostic& d) { return d.is_error; });
}

void RuleLoader::add_directory(const std::string& dir) {
  std::vector<std::filesystem::path> files;
  std::error_code error;
  std::filesystem::directory_iterator it(dir, error);
  if (error) {
    result_.diagnostics.push_back({dir, "cannot read rule directory: " + error.message(), true});
    return;
  }
  for (const auto& entry : it) {
    const auto ext = entry.path().extension();
    if (ext == ".yaml" || ext == ".yml") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& path : files) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      result_.diagnostics.push_back({path.string(), "cannot open", true});
      continue;
    }
    std::ostringstream text;
    text << in.rdbuf();
    add_document(path.string(), text.str());
  }
}

void RuleLoader::add_rule(RuleSet& set, Rule rule) {
  // A rule id is global: an override file may move a rule into another set.
  for (RuleSet& existing : result_.sets) {
    auto found = std::find_if(existing.rules.begin(), existing.rules.end(),
                              [&](const Rule& r) { return r.id == rule.id; });
    if (found == existing.rules.end()) continue;
    if (&existing == &set) {
      *found = std::move(rule);
      return;
    }
    existing.rules.erase(found);
    break;
  }
  set.rules.push_back(std::move(rule));
}

void RuleLoader::add_document(const std::string& source, const std::string& text) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    result_.diagnostics.push_back({where(source, e.mark), e.msg, true});
    return;
  }
  if (!root || root.IsNull()) return;
  std::vector<RuleDiagnostic> warnings;
  try {
    if (!root.IsMap()) fail(source, root, "a rule file is a mapping with 'ruleset' and 'rules'");
    warn_unknown_keys(source, root,
                      {"ruleset", "description", "domains", "infrastructure", "rules"}, warnings);
    if (!root["ruleset"]) fail(source, root, "missing 'ruleset' (the rule set's name)");
    const std::string name = scalar(source, root["ruleset"], "ruleset");

    auto set_it = std::find_if(result_.sets.begin(), result_.sets.end(),
                               [&](const RuleSet& s) { return s.name == name; });
    if (set_it == result_.sets.end()) {
      RuleSet fresh;
      fresh.name = name;
      fresh.source = where(source, root);
      result_.sets.push_back(std::move(fresh));
      set_it = std::prev(result_.sets.end());
    }
    const size_t set_index = static_cast<size_t>(set_it - result_.sets.begin());
    if (root["description"]) {
      result_.sets[set_index].description = scalar(source, root["description"], "description");
    }
    // A later file naming the same set may re-scope it; absent keys keep the earlier scope.
    if (root["domains"]) {
      result_.sets[set_index].domains = string_list(source, root["domains"], "domains");
    }
    if (root["infrastructure"]) {
      result_.sets[set_index].infrastructure =
          string_list(source, root["infrastructure"], "infrastructure");
    }

    const YAML::Node rules = root["rules"];
    if (rules && !rules.IsSequence()) fail(source, rules, "'rules' must be a list");
    std::map<std::string, std::string> ids_in_file;
    for (const auto& node : rules) {
      if (!node.IsMap()) fail(source, node, "a rule is a mapping");
      warn_unknown_keys(
          source, node,
          {"id", "match", "status", "reply_code", "command", "category", "reason", "yields_to",
           "generic", "description", "examples", "counterexamples", "disabled"},
          warnings);
      if (!node["id"]) fail(source, node, "rule without an 'id'");
      Rule rule;
      rule.id = scalar(source, node["id"], "id");
      rule.source = where(source, node);
      if (auto [it, inserted] = ids_in_file.emplace(rule.id, rule.source); !inserted) {
        fail(source, node["id"],
             "duplicate rule id '" + rule.id + "' (first at " + it->second + ")");
      }
      if (node["disabled"] && node["disabled"].as<bool>()) {
        // An override that switches a shipped rule off.
        for (RuleSet& existing : result_.sets) {
          std::erase_if(existing.rules, [&](const Rule& r) { return r.id == rule.id; });
        }
        continue;
      }
      const std::string label = "rule '" + rule.id + "': ";
      if (!node["match"]) fail(source, node, label + "missing 'match'");
      rule.match = scalar(source, node["match"], "match");
      if (rule.match.empty()) fail(source, node["match"], label + "empty 'match'");
      rule.status = string_list(source, node["status"], "status");
      rule.reply_code = string_list(source, node["reply_code"], "reply_code");
      for (const auto& glob : rule.status) {
        if (!is_valid_glob(glob))
          fail(source, node["status"], label + "bad status glob '" + glob + "'");
      }
      for (const auto& glob : rule.reply_code) {
        if (!is_valid_glob(glob)) {
          fail(source, node["reply_code"], label + "bad reply_code glob '" + glob + "'");
        }
      }
      rule.command = string_list(source, node["command"], "command");
      for (auto& command : rule.command) {
        for (auto& c : command) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        if (command != "CONN" && command != "HELO" && command != "MAIL" && command != "RCPT" &&
            command != "DATA") {
          fail(source, node["command"],
               label + "unknown command '" + command + "' (CONN, HELO, MAIL, RCPT or DATA)");
        }
      }
      if (!node["reason"]) fail(source, node, label + "missing 'reason'");
      rule.reason = scalar(source, node["reason"], "reason");
      const ReasonInfo* reason = find_reason(rule.reason);
      if (reason == nullptr)
        fail(source, node["reason"], label + "unknown reason '" + rule.reason + "'");
      if (node["category"]) {
        const std::string category = scalar(source, node["category"], "category");
        const auto parsed = parse_category(category);
        if (!parsed) fail(source, node["category"], label + "unknown category '" + category + "'");
        rule.category = *parsed;
      } else {
        rule.category = reason->category;
      }
      rule.yields_to = string_list(source, node["yields_to"], "yields_to");
      for (const auto& yielded : rule.yields_to) {
        if (find_reason(yielded) == nullptr) {
          fail(source, node["yields_to"], label + "unknown reason '" + yielded + "' in yields_to");
        }
      }
      if (node["generic"]) rule.generic = node["generic"].as<bool>();
      if (node["description"])
        rule.description = scalar(source, node["description"], "description");
      rule.examples = string_list(source, node["examples"], "examples");
      rule.counterexamples = string_list(source, node["counterexamples"], "counterexamples");
      add_rule(result_.sets[set_index], std::move(rule));
    }
  } catch (const FileError& error) {
    result_.diagnostics.push_back(error.diagnostic);
  } catch (const YAML::Exception& e) {
    result_.diagnostics.push_back({where(source, e.mark), e.msg, true});
  }
  for (auto& w : warnings) result_.diagnostics.push_back(std::move(w));
}

LoadedRules RuleLoader::finish() && {
  return std::move(result_);
}

LoadedRules load_rule_directories(const std::vector<std::string>& dirs) {
  RuleLoader loader;
  for (const auto& dir : dirs) loader.add_directory(dir);
  return std::move(loader).finish();
}

}  // namespace bounced::rules
