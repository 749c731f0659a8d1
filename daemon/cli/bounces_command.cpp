// bounced bounces [--since TIME] [--category C] [--recipient A] [--limit N] [--format F]
// Lists the stored bounces: one row per recipient of each report bounced received, with its
// verdict, the send it was joined to (and how), and whether it is the same failure as that
// send's refusal (the DSN our MTA wrote for it, which the policy does not count twice).
#include <iostream>

#include "bounce_query.hpp"
#include "commands.hpp"
#include "exit_codes.hpp"
#include "listing.hpp"
#include "store_session.hpp"

namespace bounced::daemon::cli {

void register_bounces_command(CLI::App& app, int& exit_code) {
  struct Options {
    StoreOptions store;
    std::string since;
    store::BounceFilter filter;
    std::string format = "table";
  };
  auto options = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "bounces", "List stored bounces with their verdicts and the sends they were joined to");
  add_store_options(*cmd, options->store);
  cmd->add_option("--since", options->since,
                  "Received by bounced since then: a duration back from now (7d, 48h) or an "
                  "RFC 3339 time")
      ->expected(1);
  cmd->add_option("--category", options->filter.category,
                  "Only this category (hard, soft, quota, complaint, auto_reply, delivered, "
                  "delayed, unknown)")
      ->expected(1)
      ->check(CLI::IsMember(
          {"hard", "soft", "quota", "complaint", "auto_reply", "delivered", "delayed", "unknown"}));
  cmd->add_option("--recipient", options->filter.recipient, "Only this address")->expected(1);
  cmd->add_option("--limit", options->filter.limit, "At most this many rows (oldest first)")
      ->expected(1);
  add_listing_format_option(*cmd, options->format);
  cmd->callback([options, &exit_code] {
    if (!options->since.empty()) {
      options->filter.since = since_or_report(options->since);
      if (!options->filter.since) {
        exit_code = exit_code::usage;
        return;
      }
    }
    auto session = open_store(options->store, false, &exit_code);
    if (!session) return;
    auto page = store::query_bounces(*session->db, options->filter);
    if (auto* error = std::get_if<store::StoreError>(&page)) {
      std::cerr << error->to_string() << "\n";
      exit_code =
          error->kind == store::StoreError::Kind::input ? exit_code::usage : exit_code::database;
      return;
    }
    const auto& rows = std::get<store::BouncePage>(page);
    const ListingFormat format = listing_format(options->format);
    const bool table = format == ListingFormat::table;
    std::vector<Column> columns = table
                                      ? std::vector<Column>{{"id"},           {"received_at"},
                                                            {"recipient"},    {"category"},
                                                            {"reason"},       {"status"},
                                                            {"send_id"},      {"join_method"},
                                                            {"same_failure"}, {"diagnostic", true}}
                                      : std::vector<Column>{{"id"},
                                                            {"received_at"},
                                                            {"recipient"},
                                                            {"kind"},
                                                            {"category"},
                                                            {"reason"},
                                                            {"rule"},
                                                            {"action"},
                                                            {"status"},
                                                            {"reply_code"},
                                                            {"remote_mta"},
                                                            {"diagnostic"},
                                                            {"original_message_id"},
                                                            {"verp_token"},
                                                            {"send_row_id"},
                                                            {"send_id"},
                                                            {"campaign"},
                                                            {"join_method"},
                                                            {"same_failure"},
                                                            {"report_date"},
                                                            {"fingerprint"}};
    Listing listing(std::move(columns));
    for (const auto& b : rows.rows) {
      const Cell send_row = b.send_row_id ? Cell(b.send_row_id) : Cell(std::monostate{});
      if (table) {
        listing.add({b.id, time_cell(b.received_at), b.recipient, b.category, b.reason,
                     text_cell(b.status), text_cell(b.send_id), text_cell(b.join_method),
                     b.same_failure, text_cell(b.diagnostic)});
        continue;
      }
      listing.add({b.id,
                   time_cell(b.received_at),
                   b.recipient,
                   b.kind,
                   b.category,
                   b.reason,
                   b.rule,
                   text_cell(b.action),
                   text_cell(b.status),
                   text_cell(b.reply_code),
                   text_cell(b.remote_mta),
                   text_cell(b.diagnostic),
                   text_cell(b.original_message_id),
                   text_cell(b.verp_token),
                   send_row,
                   text_cell(b.send_id),
                   text_cell(b.campaign),
                   text_cell(b.join_method),
                   b.same_failure,
                   text_cell(b.report_date),
                   b.fingerprint});
    }
    listing.print(std::cout, format);
    if (static_cast<long long>(rows.rows.size()) < rows.matching) {
      std::cerr << rows.rows.size() << " of " << rows.matching << " bounces shown (--limit)\n";
    }
  });
}

}  // namespace bounced::daemon::cli
