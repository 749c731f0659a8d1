#include "listing.hpp"

#include <algorithm>
#include <iostream>
#include <nlohmann/json.hpp>

#include "csv_field.hpp"

namespace bounced::daemon::cli {

namespace {

constexpr size_t kFreeTextWidth = 60;

std::string cell_text(const Cell& cell) {
  if (const auto* text = std::get_if<std::string>(&cell)) return *text;
  if (const auto* number = std::get_if<long long>(&cell)) return std::to_string(*number);
  if (const auto* flag = std::get_if<bool>(&cell)) return *flag ? "true" : "false";
  return "";
}

// Width on a terminal: one per UTF-8 code point.
size_t width_of(std::string_view text) {
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

std::string shortened(const std::string& text, size_t width) {
  if (width_of(text) <= width) return text;
  size_t cut = 0, points = 0;
  while (cut < text.size() && points < width - 3) {
    ++cut;
    while (cut < text.size() && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) ++cut;
    ++points;
  }
  return text.substr(0, cut) + "...";
}

std::string upper(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return text;
}

}  // namespace

void add_listing_format_option(CLI::App& cmd, std::string& format) {
  cmd.add_option("--format", format,
                 "table (for people), csv or jsonl (every value whole, times in RFC 3339)")
      ->check(CLI::IsMember({"table", "csv", "jsonl"}));
}

ListingFormat listing_format(const std::string& name) {
  if (name == "csv") return ListingFormat::csv;
  if (name == "jsonl") return ListingFormat::jsonl;
  return ListingFormat::table;
}

Cell time_cell(std::optional<store::Time> time) {
  if (!time) return std::monostate{};
  return store::format_iso_time(*time);
}

Cell text_cell(std::string text) {
  if (text.empty()) return std::monostate{};
  return text;
}

void Listing::print(std::ostream& out, ListingFormat format) const {
  switch (format) {
    case ListingFormat::jsonl:
      for (const auto& row : rows_) {
        nlohmann::ordered_json object = nlohmann::ordered_json::object();
        for (size_t i = 0; i < columns_.size(); ++i) {
          const Cell& cell = row[i];
          auto& value = object[columns_[i].name];
          if (const auto* text = std::get_if<std::string>(&cell)) {
            value = *text;
          } else if (const auto* number = std::get_if<long long>(&cell)) {
            value = *number;
          } else if (const auto* flag = std::get_if<bool>(&cell)) {
            value = *flag;
          } else {
            value = nullptr;
          }
        }
        out << object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
      }
      return;
    case ListingFormat::csv:
      for (size_t i = 0; i < columns_.size(); ++i) {
        out << (i ? "," : "") << store::csv_field(columns_[i].name);
      }
      out << '\n';
      for (const auto& row : rows_) {
        for (size_t i = 0; i < columns_.size(); ++i) {
          out << (i ? "," : "") << store::csv_field(cell_text(row[i]));
        }
        out << '\n';
      }
      return;
    case ListingFormat::table: {
      std::vector<std::vector<std::string>> cells;
      std::vector<size_t> widths;
      for (const auto& column : columns_) widths.push_back(width_of(column.name));
      for (const auto& row : rows_) {
        std::vector<std::string>& line = cells.emplace_back();
        for (size_t i = 0; i < columns_.size(); ++i) {
          std::string text = cell_text(row[i]);
          for (char& c : text) {
            if (c == '\n' || c == '\r' || c == '\t') c = ' ';
          }
          if (text.empty()) text = "-";
          if (columns_[i].free_text) text = shortened(text, kFreeTextWidth);
          widths[i] = std::max(widths[i], width_of(text));
          line.push_back(std::move(text));
        }
      }
      auto print_line = [&](const std::vector<std::string>& line) {
        std::string text;
        for (size_t i = 0; i < line.size(); ++i) {
          if (i) text += "  ";
          text += line[i];
          if (i + 1 < line.size()) text.append(widths[i] - width_of(line[i]), ' ');
        }
        out << text << '\n';
      };
      std::vector<std::string> header;
      for (const auto& column : columns_) header.push_back(upper(column.name));
      print_line(header);
      for (const auto& line : cells) print_line(line);
      return;
    }
  }
}

std::optional<store::Time> since_or_report(const std::string& text) {
  auto since = store::parse_since(text, store::now_seconds());
  if (!since) {
    std::cerr << "--since: '" << text << "' is neither a duration (7d, 48h) nor an RFC 3339 time\n";
  }
  return since;
}

}  // namespace bounced::daemon::cli
