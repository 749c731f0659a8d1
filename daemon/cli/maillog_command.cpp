// bounced maillog [--follow] FILE...
// Reads Postfix logs (plain, rotated, or gzip'd) into sends with their synchronous outcomes.
// Each file's position is kept in the database with the sends it produced, so running it again
// reads only what is new. --follow keeps reading the (last) file as it grows and across
// rotations until SIGINT or SIGTERM.
#include <atomic>
#include <csignal>
#include <iostream>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "maillog_reader.hpp"
#include "store_session.hpp"

namespace bounced::daemon::cli {

namespace {

// Set from the signal handler (or the signal guard's thread): lock-free, so safe in both.
std::atomic<bool> stop_requested{false};

extern "C" void request_stop(int) {
  stop_requested = true;
}

struct MaillogCommandOptions {
  StoreOptions store;
  PipelineOptions pipeline;
  std::vector<std::string> files;
  bool follow = false;
};

}  // namespace

void register_maillog_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<MaillogCommandOptions>();
  CLI::App* cmd = app.add_subcommand("maillog", "Read Postfix logs into synchronous outcomes");
  add_store_options(*cmd, options->store);
  add_rules_option(*cmd, options->pipeline.rules_dirs);
  cmd->add_flag("--follow,-f", options->follow, "Keep reading the last file as it grows");
  cmd->add_option("files", options->files,
                  "Log files, oldest first (maillog.2.gz maillog.1 maillog)")
      ->required();
  cmd->callback([options, &exit_code] {
    auto session = open_store(options->store, false, &exit_code);
    if (!session) return;
    const PipelineOptions effective = pipeline_options_for(session->config, options->pipeline);
    auto classifier = build_rules(effective.rules_dirs, false);
    if (!classifier) {
      exit_code = exit_code::usage;
      return;
    }
    store::MaillogOptions maillog_options;
    maillog_options.verp_prefix = effective.verp_prefix;
    maillog_options.verp_separator =
        effective.verp_separator.empty() ? '+' : effective.verp_separator[0];
    maillog_options.bounce_domains = session->config.bounce_domains;
    maillog_options.join = session->config.join;
    maillog_options.suppression = session->config.suppression;
    store::MaillogReader reader(*session->db, classifier, maillog_options);
    for (size_t i = 0; i < options->files.size(); ++i) {
      const std::string& file = options->files[i];
      const bool follow = options->follow && i + 1 == options->files.size();
      if (follow && session->guard) {
        // The guard owns the signals while this process runs the embedded server.
        session->guard->on_signal([] { stop_requested = true; });
      } else if (follow) {
        std::signal(SIGINT, request_stop);
        std::signal(SIGTERM, request_stop);
      }
      auto result =
          follow ? reader.follow(file, [] { return !stop_requested; }) : reader.read_file(file);
      if (auto* error = std::get_if<store::StoreError>(&result)) {
        std::cerr << file << ": " << error->to_string() << "\n";
        exit_code = error->kind == store::StoreError::Kind::input ? exit_code::partial
                                                                  : exit_code::database;
        if (exit_code == exit_code::database) return;
        continue;
      }
      const auto& stats = std::get<store::MaillogStats>(result);
      std::cout << file << ": " << stats.lines << " new lines, " << stats.deliveries
                << " delivery outcomes, " << stats.incoming
                << " deliveries into the bounce mailbox (not sends), " << stats.late_joined
                << " waiting bounces joined\n";
    }
  });
}

}  // namespace bounced::daemon::cli
