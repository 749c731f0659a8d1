// bounced - asynchronous bounce processing. See bounced(8).
//
// main only wires subcommands; each lives in cli/ with its own options.
#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"

int main(int argc, char** argv) {
  CLI::App app{"bounced: read bounces, classify them, store and act on them"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("bounced ") + BOUNCED_VERSION);
  int exit_code = 0;
  bounced::daemon::cli::register_classify_command(app, exit_code);
  bounced::daemon::cli::register_db_commands(app, exit_code);
  bounced::daemon::cli::register_ingest_command(app, exit_code);
  bounced::daemon::cli::register_run_command(app, exit_code);
  bounced::daemon::cli::register_sends_commands(app, exit_code);
  bounced::daemon::cli::register_suppressions_commands(app, exit_code);
  bounced::daemon::cli::register_outcomes_command(app, exit_code);
  bounced::daemon::cli::register_bounces_command(app, exit_code);
  bounced::daemon::cli::register_maillog_command(app, exit_code);
  bounced::daemon::cli::register_reclassify_command(app, exit_code);
  bounced::daemon::cli::register_rules_commands(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    // --help and --version are successes; any other parse error is a bad command line, which
    // bounced(8) gives one status, not one per CLI11 error class.
    const int code = app.exit(error);
    return code == 0 ? bounced::daemon::cli::exit_code::ok : bounced::daemon::cli::exit_code::usage;
  }
  return exit_code;
}
