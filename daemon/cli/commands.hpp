// Each subcommand group registers itself on the top-level app. The callback of a subcommand sets
// the process exit status through `exit_code`.
#pragma once

#include <CLI/CLI.hpp>

namespace bounced::daemon::cli {

void register_classify_command(CLI::App& app, int& exit_code);

// The database side (daemon/store): db, config, ingest, sends, maillog, suppressions, outcomes,
// bounces, reclassify.
void register_db_commands(CLI::App& app, int& exit_code);
void register_ingest_command(CLI::App& app, int& exit_code);
// bounced run: the long-running daemon
void register_run_command(CLI::App& app, int& exit_code);
void register_sends_commands(CLI::App& app, int& exit_code);
void register_suppressions_commands(CLI::App& app, int& exit_code);
void register_outcomes_command(CLI::App& app, int& exit_code);
void register_bounces_command(CLI::App& app, int& exit_code);
void register_maillog_command(CLI::App& app, int& exit_code);
void register_reclassify_command(CLI::App& app, int& exit_code);
// rules check, rules diff, explain, unknowns
void register_rules_commands(CLI::App& app, int& exit_code);

}  // namespace bounced::daemon::cli
