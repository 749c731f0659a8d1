// bounced suppressions list | check ADDRESS | remove ADDRESS | export --format csv|json|postfix
// check exits 0 when the address is suppressed, 1 when it is not (usable from scripts).
// export --format postfix writes a check_recipient_access map: `postmap` it and list it in
// smtpd_recipient_restrictions (or smtp_recipient_restrictions via a policy) so the MTA refuses
// suppressed recipients itself.
#include <iomanip>
#include <iostream>

#include "commands.hpp"
#include "store_session.hpp"
#include "suppression_store.hpp"

namespace bounced::daemon::cli {

namespace {

struct SuppressionOptions {
  StoreOptions store;
  std::string address;
  std::string note = "removed by hand";
  std::string format = "csv";
  bool all = false;
};

void print_row(const store::Suppression& s) {
  std::cout << std::left << std::setw(40) << s.address << " " << std::setw(10) << s.category << " "
            << std::setw(20) << s.reason << " " << std::setw(8)
            << (s.active ? "active" : (s.state == "active" ? "expired" : s.state)) << " "
            << store::format_iso_time(s.updated_at) << " "
            << (s.expires_at ? "until " + store::format_iso_time(*s.expires_at) : std::string())
            << "\n";
}

}  // namespace

void register_suppressions_commands(CLI::App& app, int& exit_code) {
  CLI::App* group = app.add_subcommand("suppressions", "The suppression list");
  group->require_subcommand(1);
  auto options = std::make_shared<SuppressionOptions>();

  CLI::App* list = group->add_subcommand("list", "List suppressed addresses");
  add_store_options(*list, options->store);
  list->add_flag("--all", options->all, "Include removed and expired entries");
  list->callback([options, &exit_code] {
    auto session = open_store(options->store);
    if (!session) {
      exit_code = 2;
      return;
    }
    store::SuppressionStore suppressions(*session->db);
    auto rows = suppressions.list(options->all);
    if (auto* error = std::get_if<store::StoreError>(&rows)) {
      std::cerr << error->to_string() << "\n";
      exit_code = 3;
      return;
    }
    std::cout << std::left << std::setw(40) << "ADDRESS"
              << " " << std::setw(10) << "CATEGORY"
              << " " << std::setw(20) << "REASON"
              << " " << std::setw(8) << "STATE"
              << " SINCE\n";
    for (const auto& s : std::get<std::vector<store::Suppression>>(rows)) print_row(s);
  });

  CLI::App* check = group->add_subcommand("check", "Is this address suppressed? (exit 0 = yes)");
  add_store_options(*check, options->store);
  check->add_option("address", options->address)->required();
  check->callback([options, &exit_code] {
    auto session = open_store(options->store);
    if (!session) {
      exit_code = 2;
      return;
    }
    store::SuppressionStore suppressions(*session->db);
    auto row = suppressions.check(options->address);
    if (auto* error = std::get_if<store::StoreError>(&row)) {
      std::cerr << error->to_string() << "\n";
      exit_code = 2;
      return;
    }
    const auto& found = std::get<std::optional<store::Suppression>>(row);
    if (found && found->active) {
      std::cout << "suppressed: ";
      print_row(*found);
    } else {
      std::cout << "not suppressed" << (found ? " (" + found->state + ")" : std::string()) << "\n";
      exit_code = 1;
    }
  });

  CLI::App* remove = group->add_subcommand(
      "remove", "Remove an address; holds until a new hard bounce or complaint");
  add_store_options(*remove, options->store);
  remove->add_option("address", options->address)->required();
  remove->add_option("--note", options->note, "Why (kept in the history)");
  remove->callback([options, &exit_code] {
    auto session = open_store(options->store);
    if (!session) {
      exit_code = 2;
      return;
    }
    store::SuppressionStore suppressions(*session->db);
    auto removed = suppressions.remove(options->address, options->note);
    if (auto* error = std::get_if<store::StoreError>(&removed)) {
      std::cerr << error->to_string() << "\n";
      exit_code = 2;
      return;
    }
    if (std::get<bool>(removed)) {
      std::cout << "removed " << options->address << "\n";
    } else {
      std::cout << options->address << " was not suppressed\n";
      exit_code = 1;
    }
  });

  CLI::App* export_cmd = group->add_subcommand("export", "Write the active list");
  add_store_options(*export_cmd, options->store);
  export_cmd->add_option("--format", options->format, "csv, json or postfix")
      ->check(CLI::IsMember({"csv", "json", "postfix"}));
  export_cmd->callback([options, &exit_code] {
    auto session = open_store(options->store);
    if (!session) {
      exit_code = 2;
      return;
    }
    store::SuppressionStore suppressions(*session->db);
    const store::ExportFormat format = options->format == "json"      ? store::ExportFormat::json
                                       : options->format == "postfix" ? store::ExportFormat::postfix
                                                                      : store::ExportFormat::csv;
    store::Status status = suppressions.export_to(std::cout, format);
    if (auto* error = std::get_if<store::StoreError>(&status)) {
      std::cerr << error->to_string() << "\n";
      exit_code = 3;
    }
  });
}

}  // namespace bounced::daemon::cli
