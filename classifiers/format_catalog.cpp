#include "format_catalog.hpp"

#include <re2/re2.h>
#include <re2/set.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace bounced::classifiers {

namespace {

// Markers sit near the top of a bounce; scanning further only costs time on big originals.
constexpr size_t kDetectWindow = 16 * 1024;

RE2::Options pattern_options() {
  RE2::Options options;
  options.set_case_sensitive(false);
  options.set_log_errors(false);
  return options;
}

std::string where(const std::string& source, const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  return source + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
}

struct LoadFailure {
  std::string message;
};

std::vector<std::string> string_list(const std::string& source, const YAML::Node& node) {
  std::vector<std::string> values;
  if (!node) return values;
  if (node.IsScalar()) {
    values.push_back(node.as<std::string>());
  } else if (node.IsSequence()) {
    for (const auto& item : node) {
      if (!item.IsScalar()) throw LoadFailure{where(source, item) + ": expected a string"};
      values.push_back(item.as<std::string>());
    }
  } else {
    throw LoadFailure{where(source, node) + ": expected a string or a list of strings"};
  }
  return values;
}

std::shared_ptr<const re2::RE2> compile(const std::string& source, const YAML::Node& node,
                                        const std::string& what) {
  const std::vector<std::string> patterns = string_list(source, node);
  if (patterns.empty()) return nullptr;
  std::string joined;
  for (const auto& pattern : patterns) {
    if (!joined.empty()) joined += "|";
    joined += "(?:" + pattern + ")";
  }
  auto regex = std::make_shared<re2::RE2>("(?m)" + joined, pattern_options());
  if (!regex->ok()) {
    throw LoadFailure{where(source, node) + ": " + what + ": invalid regex: " + regex->error()};
  }
  return regex;
}

void check_keys(const std::string& source, const YAML::Node& map,
                std::initializer_list<std::string_view> known) {
  for (const auto& entry : map) {
    const auto key = entry.first.as<std::string>();
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      throw LoadFailure{where(source, entry.first) + ": unknown key '" + key + "'"};
    }
  }
}

}  // namespace

struct FormatCatalog::Detection {
  // One set per header/body field; each pattern's index maps to the format it detects.
  struct FieldSet {
    std::unique_ptr<re2::RE2::Set> set;
    std::vector<size_t> format_of;
    bool compiled = false;
    bool is_body = false;  // a body pattern of a specific format is layout evidence
  };
  FieldSet from;
  FieldSet subject;
  FieldSet body;

  Detection() {
    for (FieldSet* field : {&from, &subject, &body}) {
      field->set = std::make_unique<re2::RE2::Set>(pattern_options(), RE2::UNANCHORED);
    }
    body.is_body = true;
  }
};

FormatCatalog::FormatCatalog() : detection_(std::make_unique<Detection>()) {}
FormatCatalog::~FormatCatalog() = default;

CatalogResult FormatCatalog::load_directory(const std::string& dir) {
  std::vector<std::filesystem::path> files;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    if (entry.path().extension() == ".yaml" || entry.path().extension() == ".yml") {
      files.push_back(entry.path());
    }
  }
  if (error) return CatalogError{dir + ": cannot read format directory: " + error.message()};
  std::sort(files.begin(), files.end());
  std::vector<std::pair<std::string, std::string>> docs;
  for (const auto& path : files) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return CatalogError{path.string() + ": cannot open"};
    std::ostringstream text;
    text << in.rdbuf();
    docs.emplace_back(path.string(), text.str());
  }
  return load_documents(docs);
}

CatalogResult FormatCatalog::load_documents(
    const std::vector<std::pair<std::string, std::string>>& docs) {
  std::shared_ptr<FormatCatalog> catalog(new FormatCatalog());
  std::vector<std::string> markers;
  std::vector<std::string> last_error_markers;
  std::vector<std::string> vacation, vacation_body, challenge_subject, challenge_body;
  try {
    for (const auto& [source, text] : docs) {
      YAML::Node root;
      try {
        root = YAML::Load(text);
      } catch (const YAML::Exception& e) {
        return CatalogError{source + ":" + std::to_string(e.mark.line + 1) + ":" +
                            std::to_string(e.mark.column + 1) + ": " + e.msg};
      }
      if (!root || root.IsNull()) continue;
      if (!root.IsMap()) return CatalogError{where(source, root) + ": expected a mapping"};
      check_keys(source, root, {"formats", "original_markers", "last_error_markers", "auto_reply"});
      for (const auto& marker : string_list(source, root["original_markers"])) {
        markers.push_back(marker);
      }
      for (const auto& marker : string_list(source, root["last_error_markers"])) {
        last_error_markers.push_back(marker);
      }
      if (const auto signals = root["auto_reply"]) {
        check_keys(source, signals,
                   {"vacation_subject", "vacation_body", "challenge_subject", "challenge_body"});
        for (auto& s : string_list(source, signals["vacation_subject"])) vacation.push_back(s);
        for (auto& s : string_list(source, signals["vacation_body"])) vacation_body.push_back(s);
        for (auto& s : string_list(source, signals["challenge_subject"])) {
          challenge_subject.push_back(s);
        }
        for (auto& s : string_list(source, signals["challenge_body"])) challenge_body.push_back(s);
      }
      const YAML::Node formats = root["formats"];
      if (!formats) continue;
      if (!formats.IsSequence()) return CatalogError{where(source, formats) + ": expected a list"};
      for (const auto& node : formats) {
        check_keys(source, node,
                   {"id", "description", "detect", "fallback", "section_start", "section_end",
                    "recipient", "diagnostic", "action"});
        TextBounceFormat format;
        if (!node["id"]) return CatalogError{where(source, node) + ": format without an id"};
        format.id = node["id"].as<std::string>();
        format.description = node["description"] ? node["description"].as<std::string>() : "";
        if (const auto fallback = node["fallback"]) {
          if (!fallback.IsScalar() ||
              (fallback.as<std::string>() != "true" && fallback.as<std::string>() != "false")) {
            return CatalogError{where(source, fallback) + ": " + format.id +
                                " fallback: true or false"};
          }
          format.fallback = fallback.as<std::string>() == "true";
        }
        if (const auto action = node["action"]) {
          format.action = action.IsScalar() ? action.as<std::string>() : std::string();
          if (format.action != "failed" && format.action != "delivered") {
            return CatalogError{where(source, action) + ": " + format.id +
                                " action: failed or delivered"};
          }
        }
        format.source = where(source, node);
        format.section_start = compile(source, node["section_start"], format.id + " section_start");
        format.section_end = compile(source, node["section_end"], format.id + " section_end");
        format.recipient = compile(source, node["recipient"], format.id + " recipient");
        if (format.recipient && format.recipient->NumberOfCapturingGroups() < 1) {
          return CatalogError{where(source, node["recipient"]) + ": " + format.id +
                              " recipient: needs a capture group for the address"};
        }
        if (const auto scope = node["diagnostic"]) {
          const std::string value = scope.as<std::string>();
          if (value != "line" && value != "block") {
            return CatalogError{where(source, scope) + ": " + format.id +
                                " diagnostic: 'line' or 'block', not '" + value + "'"};
          }
          format.diagnostic_on_recipient_line = value == "line";
        }
        const size_t index = catalog->formats_.size();
        if (const auto detect = node["detect"]) {
          check_keys(source, detect, {"from", "subject", "body"});
          const std::pair<const char*, Detection::FieldSet*> fields[] = {
              {"from", &catalog->detection_->from},
              {"subject", &catalog->detection_->subject},
              {"body", &catalog->detection_->body}};
          for (const auto& [key, field] : fields) {
            for (const auto& pattern : string_list(source, detect[key])) {
              std::string error;
              if (field->set->Add("(?m)" + pattern, &error) < 0) {
                return CatalogError{where(source, detect[key]) + ": " + format.id + " detect " +
                                    key + ": invalid regex: " + error};
              }
              field->format_of.push_back(index);
            }
          }
        }
        catalog->formats_.push_back(std::move(format));
      }
    }
  } catch (const LoadFailure& failure) {
    return CatalogError{failure.message};
  } catch (const YAML::Exception& e) {
    return CatalogError{"format catalog: " + std::string(e.what())};
  }
  for (Detection::FieldSet* field :
       {&catalog->detection_->from, &catalog->detection_->subject, &catalog->detection_->body}) {
    field->compiled = !field->format_of.empty() && field->set->Compile();
  }
  YAML::Node marker_node;
  for (const auto& m : markers) marker_node.push_back(m);
  YAML::Node last_error_node;
  for (const auto& m : last_error_markers) last_error_node.push_back(m);
  YAML::Node vacation_node, vacation_body_node, challenge_subject_node, challenge_body_node;
  for (const auto& s : vacation) vacation_node.push_back(s);
  for (const auto& s : vacation_body) vacation_body_node.push_back(s);
  for (const auto& s : challenge_subject) challenge_subject_node.push_back(s);
  for (const auto& s : challenge_body) challenge_body_node.push_back(s);
  try {
    catalog->original_markers_ = compile("original_markers", marker_node, "original_markers");
    catalog->last_error_markers_ =
        compile("last_error_markers", last_error_node, "last_error_markers");
    catalog->auto_reply_.vacation_subject =
        compile("auto_reply", vacation_node, "vacation_subject");
    catalog->auto_reply_.vacation_body = compile("auto_reply", vacation_body_node, "vacation_body");
    catalog->auto_reply_.challenge_subject =
        compile("auto_reply", challenge_subject_node, "challenge_subject");
    catalog->auto_reply_.challenge_body =
        compile("auto_reply", challenge_body_node, "challenge_body");
  } catch (const LoadFailure& failure) {
    return CatalogError{failure.message};
  }
  return std::shared_ptr<const FormatCatalog>(std::move(catalog));
}

FormatMatch FormatCatalog::detect(std::string_view from, std::string_view subject,
                                  std::string_view body) const {
  // Rank: layout evidence first, then load order. Lower is better.
  const size_t none = 2 * formats_.size();
  size_t best = none;
  std::vector<int> hits;
  auto consider = [&](const Detection::FieldSet& field, std::string_view text) {
    if (!field.compiled) return;
    hits.clear();
    if (!field.set->Match(text, &hits)) return;
    for (int hit : hits) {
      const size_t index = field.format_of[static_cast<size_t>(hit)];
      const bool layout = field.is_body && !formats_[index].fallback;
      best = std::min(best, layout ? index : formats_.size() + index);
    }
  };
  consider(detection_->from, from);
  consider(detection_->subject, subject);
  consider(detection_->body, body.substr(0, std::min(body.size(), kDetectWindow)));
  if (best == none) return {};
  if (best < formats_.size()) return {&formats_[best], true};
  return {&formats_[best - formats_.size()], false};
}

std::string_view FormatCatalog::find_last_error(std::string_view body) const {
  if (!last_error_markers_) return {};
  re2::StringPiece match;
  if (!last_error_markers_->Match(body, 0, body.size(), RE2::UNANCHORED, &match, 1)) return {};
  const size_t begin = static_cast<size_t>(match.data() - body.data());
  // The quoted reply may start on a line of its own below the marker, and runs to the end of
  // its paragraph; a reply longer than this is prose.
  constexpr size_t kMaxQuote = 600;
  std::string_view rest = body.substr(begin, std::min(body.size() - begin, kMaxQuote));
  size_t reply = match.size();
  while (reply < rest.size() && std::isspace(static_cast<unsigned char>(rest[reply]))) ++reply;
  size_t end = rest.size();
  for (std::string_view blank : {"\n\n", "\n\r\n"}) {
    if (const size_t at = rest.find(blank, reply); at < end) end = at;
  }
  return rest.substr(0, end);
}

size_t FormatCatalog::find_original_marker(std::string_view body) const {
  if (!original_markers_) return std::string_view::npos;
  re2::StringPiece match;
  if (!original_markers_->Match(body, 0, body.size(), RE2::UNANCHORED, &match, 1)) {
    return std::string_view::npos;
  }
  return static_cast<size_t>(match.data() - body.data());
}

}  // namespace bounced::classifiers
