// bounced outcomes [--since TIME] [--campaign C] [--state S] [--limit N] [--format F]
// Prints the joined delivery outcomes (the delivery_outcomes view): each send and recipient
// with its synchronous reply, its final state, the reason, how it was joined and how long the
// asynchronous verdict took. The table ends with the totals per state of the rows shown; the
// machine formats carry every value whole.
#include <algorithm>
#include <iomanip>
#include <iostream>
#include <map>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "listing.hpp"
#include "outcome_query.hpp"
#include "store_session.hpp"

namespace bounced::daemon::cli {

namespace {

std::string joined_states() {
  std::string out;
  for (const auto& state : store::final_states()) out += (out.empty() ? "" : ", ") + state;
  return out;
}

// "3d 4h", "2h 5m", "4m 10s", "9s": for people; the machine formats carry seconds.
std::string human_delay(long long seconds) {
  const auto two = [](long long a, const char* ua, long long b, const char* ub) {
    return std::to_string(a) + ua + " " + std::to_string(b) + ub;
  };
  if (seconds >= 86400) return two(seconds / 86400, "d", seconds % 86400 / 3600, "h");
  if (seconds >= 3600) return two(seconds / 3600, "h", seconds % 3600 / 60, "m");
  if (seconds >= 60) return two(seconds / 60, "m", seconds % 60, "s");
  return std::to_string(seconds) + "s";
}

Listing outcome_listing(const std::vector<store::Outcome>& rows, bool table) {
  // The table keeps to what a person reads; CSV and JSON Lines get every column.
  std::vector<Column> columns =
      table ? std::vector<Column>{{"send_id"}, {"recipient"},   {"campaign"},
                                  {"sent_at"}, {"smtp"},        {"final_state"},
                                  {"reason"},  {"join_method"}, {"delay_seconds"}}
            : std::vector<Column>{{"send_row_id"},
                                  {"send_id"},
                                  {"queue_id"},
                                  {"message_id"},
                                  {"recipient"},
                                  {"campaign"},
                                  {"list_id"},
                                  {"customer"},
                                  {"sent_at"},
                                  {"sync_reply_code"},
                                  {"sync_status"},
                                  {"sync_category"},
                                  {"sync_reason"},
                                  {"outcome_at"},
                                  {"sources"},
                                  {"final_state"},
                                  {"reason"},
                                  {"bounce_id"},
                                  {"bounce_received_at"},
                                  {"async_category"},
                                  {"async_reason"},
                                  {"async_rule"},
                                  {"join_method"},
                                  {"delay_seconds"}};
  Listing listing(std::move(columns));
  for (const auto& o : rows) {
    const Cell delay =
        o.async_delay_seconds ? Cell(*o.async_delay_seconds) : Cell(std::monostate{});
    if (table) {
      listing.add({o.send_id, o.recipient, text_cell(o.campaign), time_cell(o.sent_at),
                   text_cell(o.sync_reply_code), o.final_state, text_cell(o.reason()),
                   text_cell(o.join_method),
                   o.async_delay_seconds ? Cell(human_delay(*o.async_delay_seconds))
                                         : Cell(std::monostate{})});
      continue;
    }
    listing.add({o.send_row_id,
                 o.send_id,
                 text_cell(o.queue_id),
                 text_cell(o.message_id),
                 o.recipient,
                 text_cell(o.campaign),
                 text_cell(o.list_id),
                 text_cell(o.customer),
                 time_cell(o.sent_at),
                 text_cell(o.sync_reply_code),
                 text_cell(o.sync_status),
                 o.sync_category,
                 text_cell(o.sync_reason),
                 time_cell(o.outcome_at),
                 text_cell(o.sources),
                 o.final_state,
                 text_cell(o.reason()),
                 o.bounce_id ? Cell(o.bounce_id) : Cell(std::monostate{}),
                 time_cell(o.bounce_received_at),
                 text_cell(o.async_category),
                 text_cell(o.async_reason),
                 text_cell(o.async_rule),
                 text_cell(o.join_method),
                 delay});
  }
  return listing;
}

}  // namespace

void register_outcomes_command(CLI::App& app, int& exit_code) {
  struct Options {
    StoreOptions store;
    std::string since;
    store::OutcomeFilter filter;
    std::string format = "table";
  };
  auto options = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("outcomes", "Print sends joined with their bounces");
  add_store_options(*cmd, options->store);
  cmd->add_option("--since", options->since,
                  "Sends sent since then: a duration back from now (7d, 48h) or an RFC 3339 time")
      ->expected(1);
  cmd->add_option("--campaign", options->filter.campaign, "Only this campaign")->expected(1);
  cmd->add_option("--state", options->filter.state, "Only this final state: " + joined_states())
      ->expected(1);
  cmd->add_option("--limit", options->filter.limit,
                  "At most this many rows (oldest send first); the totals are of the rows shown")
      ->expected(1);
  add_listing_format_option(*cmd, options->format);
  cmd->callback([options, &exit_code] {
    if (!options->filter.state.empty()) {
      const auto& states = store::final_states();
      if (std::find(states.begin(), states.end(), options->filter.state) == states.end()) {
        std::cerr << "--state: '" << options->filter.state << "' is not a final state; one of "
                  << joined_states() << "\n";
        exit_code = exit_code::usage;
        return;
      }
    }
    if (!options->since.empty()) {
      options->filter.since = since_or_report(options->since);
      if (!options->filter.since) {
        exit_code = exit_code::usage;
        return;
      }
    }
    auto session = open_store(options->store, false, &exit_code);
    if (!session) return;
    auto page = store::query_outcomes(*session->db, options->filter);
    if (auto* error = std::get_if<store::StoreError>(&page)) {
      std::cerr << error->to_string() << "\n";
      exit_code = exit_code::database;
      return;
    }
    const auto& rows = std::get<store::OutcomePage>(page);
    const ListingFormat format = listing_format(options->format);
    outcome_listing(rows.rows, format == ListingFormat::table).print(std::cout, format);
    if (static_cast<long long>(rows.rows.size()) < rows.matching) {
      std::cerr << rows.rows.size() << " of " << rows.matching
                << " sends shown (--limit); the totals are of the rows shown\n";
    }
    if (format != ListingFormat::table) return;
    std::map<std::string, long> totals;
    for (const auto& o : rows.rows) ++totals[o.final_state];
    std::cout << "\n";
    for (const auto& state : store::final_states()) {
      if (auto found = totals.find(state); found != totals.end()) {
        std::cout << std::left << std::setw(14) << state << " " << found->second << "\n";
      }
    }
  });
}

}  // namespace bounced::daemon::cli
