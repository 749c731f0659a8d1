// bounced ingest [--config F] [--batch N] [--jobs N] PATH...
// The daemon's main job once: read each message (file, directory, Maildir, mbox, -), parse and
// classify it, store it with its join and suppression effects in batched transactions, and
// acknowledge Maildir mail only after its batch committed. Exit status: 0 all stored, 1 some
// messages unreadable (quarantined), 3 the database failed (the rest is left for the next run).
// `bounced ingest -` is what an MTA pipes a bounce into (Postfix pipe(8), procmail, sieve): 0
// once it is stored (or quarantined), 75 (EX_TEMPFAIL) otherwise, so the MTA keeps the mail.
#include <algorithm>
#include <iostream>
#include <thread>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "ingest/ingestor.hpp"
#include "store_session.hpp"

namespace bounced::daemon::cli {

namespace {

struct IngestCommandOptions {
  StoreOptions store;
  PipelineOptions pipeline;
  std::vector<std::string> paths;
  size_t batch_size = 0;
  unsigned jobs = 0;  // 0 = one per core
};

// The command's work; its exit status, and what happened in `report`.
int ingest_paths(const IngestCommandOptions& options, IngestReport& report) {
  int failure = exit_code::usage;
  auto session = open_store(options.store, false, &failure);
  if (!session) return failure;
  const Config& config = session->config;
  auto pipeline = build_pipeline(pipeline_options_for(config, options.pipeline));
  if (!pipeline) return exit_code::usage;
  store::BounceStoreOptions store_options;
  store_options.join = config.join;
  store_options.policy = config.suppression;
  store_options.raw_retention_days = config.raw_retention_days;
  store::BounceStore bounce_store(*session->db, store_options);
  IngestOptions ingest_options;
  ingest_options.batch_size = options.batch_size ? options.batch_size : config.batch_size;
  ingest_options.jobs =
      options.jobs ? options.jobs : std::max(1u, std::thread::hardware_concurrency());
  ingest_options.processed_folder = config.processed_folder;
  ingest_options.quarantine_dir = config.quarantine_dir;
  ingest_options.record.join_header = config.join.header;
  const PipelineOptions effective = pipeline_options_for(config, options.pipeline);
  ingest_options.record.verp_prefix = effective.verp_prefix;
  ingest_options.record.verp_separator =
      effective.verp_separator.empty() ? '+' : effective.verp_separator[0];
  Ingestor ingestor(*pipeline, bounce_store, ingest_options);
  report = ingestor.ingest(options.paths);
  for (const auto& error : report.errors) std::cerr << error << "\n";
  std::cout << "read " << report.read << ", stored " << report.stored << " (" << report.bounces
            << " recipients, " << report.joined << " joined to sends, " << report.suppressed
            << " suppressed), " << report.duplicates << " already stored, " << report.quarantined
            << " quarantined, " << report.acknowledged << " acknowledged\n";
  if (!report.store_error.empty()) {
    std::cerr << "stopped: " << report.store_error
              << "\nthe unfinished batch was not stored and its mail was left in place\n";
    return exit_code::database;
  }
  return report.errors.empty() ? exit_code::ok : exit_code::partial;
}

}  // namespace

void register_ingest_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<IngestCommandOptions>();
  CLI::App* cmd = app.add_subcommand("ingest", "Store, join and act on bounce messages");
  add_store_options(*cmd, options->store);
  add_pipeline_options(*cmd, options->pipeline);
  cmd->add_option("--batch", options->batch_size, "Messages per transaction (default: config)");
  cmd->add_option("-j,--jobs", options->jobs,
                  "Parse and classify on this many threads (default: "
                  "one per core)")
      ->check(CLI::Range(1u, 256u));
  cmd->add_option("paths", options->paths, "Message file, directory, Maildir, mbox, or -")
      ->required();
  cmd->callback([options, &exit_code] {
    IngestReport report;
    exit_code = ingest_paths(*options, report);
    // From an MTA's pipe only "kept" may say 0. Whatever kept the message from being stored or
    // safely quarantined - the database, the configuration, the rules - is EX_TEMPFAIL, so the
    // MTA keeps the mail and tries again instead of bouncing the bounce.
    if (options->paths == std::vector<std::string>{"-"}) {
      const bool kept = report.store_error.empty() &&
                        report.stored + report.duplicates + report.quarantined >= report.read;
      exit_code = exit_code <= exit_code::partial && kept ? exit_code::ok : exit_code::tempfail;
    }
  });
}

}  // namespace bounced::daemon::cli
