// Each subcommand group registers itself on the top-level app. The callback of a subcommand sets
// the process exit status through `exit_code`.
#pragma once

#include <CLI/CLI.hpp>

namespace bounced::daemon::cli {

void register_classify_command(CLI::App& app, int& exit_code);
// rules check, rules diff, explain, unknowns
void register_rules_commands(CLI::App& app, int& exit_code);

}  // namespace bounced::daemon::cli
