// The output of the listing commands (outcomes, bounces, suppressions list and history) in
// three formats: a table for people, CSV (RFC 4180) and JSON Lines for programs. Machine
// formats carry every value whole, times in RFC 3339; the table cuts no id - only free-text
// columns (diagnostics, notes) are shortened there, visibly, with "...".
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <variant>
#include <vector>

#include "time_text.hpp"

namespace bounced::daemon::cli {

enum class ListingFormat { table, csv, jsonl };

// Adds --format table|csv|jsonl (default table).
void add_listing_format_option(CLI::App& cmd, std::string& format);

// --since as a time: a duration back from now (7d, 48h) or an RFC 3339 time. nullopt after
// saying on stderr that it is neither (the caller exits with exit_code::usage).
std::optional<store::Time> since_or_report(const std::string& text);
ListingFormat listing_format(const std::string& name);

// A value: nothing (JSON null, empty CSV field, "-" in the table), text, a number or a flag.
using Cell = std::variant<std::monostate, std::string, long long, bool>;
Cell time_cell(std::optional<store::Time> time);  // RFC 3339, or nothing
Cell text_cell(std::string text);                 // "" is nothing

struct Column {
  std::string name;        // JSON key and CSV header; upper-cased as the table header
  bool free_text = false;  // may be shortened in the table
};

class Listing {
 public:
  explicit Listing(std::vector<Column> columns) : columns_(std::move(columns)) {}
  void add(std::vector<Cell> row) { rows_.push_back(std::move(row)); }
  size_t size() const { return rows_.size(); }
  void print(std::ostream& out, ListingFormat format) const;

 private:
  std::vector<Column> columns_;
  std::vector<std::vector<Cell>> rows_;
};

}  // namespace bounced::daemon::cli
