// bounced outcomes [--since TIME] [--campaign C] [--state S]
// Prints the joined delivery outcomes (the delivery_outcomes view): each send and recipient with
// its synchronous reply, its final state, the asynchronous reason, how it was joined and how
// long the asynchronous verdict took; then the totals per state.
#include <iomanip>
#include <iostream>

#include "commands.hpp"
#include "outcome_query.hpp"
#include "store_session.hpp"

namespace bounced::daemon::cli {

void register_outcomes_command(CLI::App& app, int& exit_code) {
  struct Options {
    StoreOptions store;
    store::OutcomeFilter filter;
  };
  auto options = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("outcomes", "Print sends joined with their bounces");
  add_store_options(*cmd, options->store);
  cmd->add_option("--since", options->filter.since, "Sends at or after this time (ISO 8601)");
  cmd->add_option("--campaign", options->filter.campaign, "Only this campaign");
  cmd->add_option("--state", options->filter.state,
                  "Only this final state (accepted, sync_hard, async_hard, async_soft, ...)");
  cmd->add_option("--limit", options->filter.limit, "At most this many rows");
  cmd->callback([options, &exit_code] {
    auto session = open_store(options->store);
    if (!session) {
      exit_code = 2;
      return;
    }
    auto rows = store::query_outcomes(*session->db, options->filter);
    auto totals = store::outcome_totals(*session->db, options->filter);
    if (auto* error = std::get_if<store::StoreError>(&rows)) {
      std::cerr << error->to_string() << "\n";
      exit_code = 3;
      return;
    }
    std::cout << std::left << std::setw(10) << "SEND"
              << " " << std::setw(30) << "RECIPIENT"
              << " " << std::setw(14) << "CAMPAIGN"
              << " " << std::setw(16) << "SENT"
              << " " << std::setw(4) << "SMTP"
              << " " << std::setw(12) << "OUTCOME"
              << " " << std::setw(16) << "REASON"
              << " " << std::setw(16) << "JOINED BY"
              << " DELAY\n";
    for (const auto& o : std::get<std::vector<store::Outcome>>(rows)) {
      std::cout << std::setw(10) << o.send_id.substr(0, 10) << " " << std::setw(30)
                << o.recipient.substr(0, 30) << " " << std::setw(14) << o.campaign.substr(0, 14)
                << " " << std::setw(16) << o.sent_at << " " << std::setw(4)
                << (o.sync_reply_code.empty() ? "-" : o.sync_reply_code) << " " << std::setw(12)
                << o.final_state << " " << std::setw(16)
                << (o.async_reason.empty() ? "-" : o.async_reason.substr(0, 16)) << " "
                << std::setw(16) << (o.join_method.empty() ? "-" : o.join_method) << " "
                << (o.async_delay.empty() ? "-" : o.async_delay) << "\n";
    }
    if (auto* list = std::get_if<std::vector<std::pair<std::string, long>>>(&totals)) {
      std::cout << "\n";
      for (const auto& [state, count] : *list)
        std::cout << std::setw(12) << state << " " << count << "\n";
    }
  });
}

}  // namespace bounced::daemon::cli
