// bounced suppressions list | check ADDRESS | remove ADDRESS | history ADDRESS |
//                    export --format csv|json|postfix
// check exits 0 when the address is suppressed, 1 when it is not (usable from scripts); it
// compares as the exported Postfix map does (Postfix folds access-map keys to lower case).
// export --format postfix writes a check_recipient_access map: `postmap` it and list it in
// smtpd_recipient_restrictions (or smtp_recipient_restrictions via a policy) so the MTA refuses
// suppressed recipients itself.
#include <iostream>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "listing.hpp"
#include "store_session.hpp"
#include "suppression_store.hpp"

namespace bounced::daemon::cli {

namespace {

struct SuppressionOptions {
  StoreOptions store;
  std::string address;
  std::string note = "removed by hand";
  std::string format = "csv";
  std::string listing = "table";
  bool all = false;
};

std::string state_of(const store::Suppression& s) {
  return s.active ? "active" : (s.state == "active" ? "expired" : s.state);
}

Listing suppression_listing(const std::vector<store::Suppression>& rows) {
  Listing listing({{"address"},
                   {"category"},
                   {"reason"},
                   {"state"},
                   {"first_at"},
                   {"updated_at"},
                   {"expires_at"},
                   {"removed_at"},
                   {"bounce_id"},
                   {"note", true}});
  for (const auto& s : rows) {
    listing.add({s.address, s.category, text_cell(s.reason), state_of(s), time_cell(s.first_at),
                 time_cell(s.updated_at), time_cell(s.expires_at), time_cell(s.removed_at),
                 s.bounce_id ? Cell(s.bounce_id) : Cell(std::monostate{}), text_cell(s.note)});
  }
  return listing;
}

// Opens the store and runs body with it; database errors become exit status 3.
template <typename Body>
void with_suppressions(SuppressionOptions& options, int& exit_code, Body&& body) {
  auto session = open_store(options.store, false, &exit_code);
  if (!session) return;
  store::SuppressionStore suppressions(*session->db);
  body(suppressions);
}

int store_failure(const store::StoreError& error) {
  std::cerr << error.to_string() << "\n";
  return error.kind == store::StoreError::Kind::input ? exit_code::usage : exit_code::database;
}

}  // namespace

void register_suppressions_commands(CLI::App& app, int& exit_code) {
  CLI::App* group = app.add_subcommand("suppressions", "The suppression list");
  group->require_subcommand(1);
  auto options = std::make_shared<SuppressionOptions>();

  CLI::App* list = group->add_subcommand("list", "List suppressed addresses");
  add_store_options(*list, options->store);
  list->add_flag("--all", options->all, "Include removed, lifted and expired entries");
  add_listing_format_option(*list, options->listing);
  list->callback([options, &exit_code] {
    with_suppressions(*options, exit_code, [&](store::SuppressionStore& suppressions) {
      auto rows = suppressions.list(options->all);
      if (auto* error = std::get_if<store::StoreError>(&rows)) {
        exit_code = store_failure(*error);
        return;
      }
      suppression_listing(std::get<std::vector<store::Suppression>>(rows))
          .print(std::cout, listing_format(options->listing));
    });
  });

  CLI::App* check = group->add_subcommand("check", "Is this address suppressed? (exit 0 = yes)");
  add_store_options(*check, options->store);
  check->add_option("address", options->address)->required();
  check->callback([options, &exit_code] {
    with_suppressions(*options, exit_code, [&](store::SuppressionStore& suppressions) {
      auto row = suppressions.check(options->address);
      if (auto* error = std::get_if<store::StoreError>(&row)) {
        exit_code = store_failure(*error);
        return;
      }
      const auto& found = std::get<std::optional<store::Suppression>>(row);
      if (found && found->active) {
        std::cout << "suppressed: " << found->address << " " << found->category << " "
                  << found->reason << " since " << store::format_iso_time(found->updated_at)
                  << (found->expires_at ? " until " + store::format_iso_time(*found->expires_at)
                                        : std::string(" until removed"))
                  << "\n";
      } else {
        std::cout << "not suppressed" << (found ? " (" + state_of(*found) + ")" : std::string())
                  << "\n";
        exit_code = exit_code::partial;
      }
    });
  });

  CLI::App* remove = group->add_subcommand(
      "remove", "Remove an address; holds until a hard bounce or complaint received after it");
  add_store_options(*remove, options->store);
  remove->add_option("address", options->address)->required();
  remove->add_option("--note", options->note, "Why (kept in `suppressions history`)")->expected(1);
  remove->callback([options, &exit_code] {
    with_suppressions(*options, exit_code, [&](store::SuppressionStore& suppressions) {
      auto removed = suppressions.remove(options->address, options->note);
      if (auto* error = std::get_if<store::StoreError>(&removed)) {
        exit_code = store_failure(*error);
        return;
      }
      if (std::get<bool>(removed)) {
        std::cout << "removed " << options->address << "\n";
      } else {
        std::cout << options->address << " was not suppressed\n";
        exit_code = exit_code::partial;
      }
    });
  });

  CLI::App* history = group->add_subcommand(
      "history", "Every change of one address: suppressions, removals with their notes, lifts");
  add_store_options(*history, options->store);
  history->add_option("address", options->address)->required();
  add_listing_format_option(*history, options->listing);
  history->callback([options, &exit_code] {
    with_suppressions(*options, exit_code, [&](store::SuppressionStore& suppressions) {
      auto changes = suppressions.history(options->address);
      if (auto* error = std::get_if<store::StoreError>(&changes)) {
        exit_code = store_failure(*error);
        return;
      }
      Listing listing(
          {{"at"}, {"action"}, {"category"}, {"reason"}, {"bounce_id"}, {"note", true}});
      for (const auto& c : std::get<std::vector<store::SuppressionChange>>(changes)) {
        listing.add({time_cell(c.at), c.action, text_cell(c.category), text_cell(c.reason),
                     c.bounce_id ? Cell(c.bounce_id) : Cell(std::monostate{}), text_cell(c.note)});
      }
      listing.print(std::cout, listing_format(options->listing));
    });
  });

  CLI::App* export_cmd = group->add_subcommand("export", "Write the active list");
  add_store_options(*export_cmd, options->store);
  export_cmd->add_option("--format", options->format, "csv, json or postfix")
      ->check(CLI::IsMember({"csv", "json", "postfix"}));
  export_cmd->callback([options, &exit_code] {
    with_suppressions(*options, exit_code, [&](store::SuppressionStore& suppressions) {
      const store::ExportFormat format = options->format == "json" ? store::ExportFormat::json
                                         : options->format == "postfix"
                                             ? store::ExportFormat::postfix
                                             : store::ExportFormat::csv;
      store::Status status = suppressions.export_to(std::cout, format);
      if (auto* error = std::get_if<store::StoreError>(&status)) {
        exit_code = store_failure(*error);
      }
    });
  });
}

}  // namespace bounced::daemon::cli
