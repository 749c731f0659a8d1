// bounced run [--config F] [--state-dir D] [--database URL]
// The long-running daemon: every source configured under `sources:` at once, through the
// parse/classify pool and the batching writer, until SIGTERM. See service/daemon.hpp and
// bounced(8). Exit status: 0 after a clean stop, 1 when the drain ran out of time or the
// database could not be set up, 2 for a bad configuration or rule pack.
#include <unistd.h>

#include <csignal>
#include <iostream>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "service/daemon.hpp"
#include "store_session.hpp"

namespace bounced::daemon::cli {

namespace {

// Everything `run` builds from bounced.yaml: at start, and again on SIGHUP.
std::variant<service::LoadedRun, std::vector<std::string>> load_run(const StoreOptions& options) {
  LoadedConfig loaded = read_effective_config(options);
  std::vector<std::string> errors, warnings;
  for (const auto& message : loaded.messages) {
    (message.is_error ? errors : warnings).push_back(message.text);
  }
  if (!errors.empty()) return errors;
  const Config& config = loaded.config;
  PipelineOptions pipeline_options = pipeline_options_for(config, PipelineOptions{});
  LoadedPipeline pipeline = load_pipeline(pipeline_options);
  if (!pipeline.pipeline) return pipeline.errors;
  warnings.insert(warnings.end(), pipeline.warnings.begin(), pipeline.warnings.end());

  service::LoadedRun run;
  auto classify = std::make_shared<service::ClassifySettings>();
  classify->pipeline = std::make_shared<const Pipeline>(std::move(*pipeline.pipeline));
  classify->classifier = pipeline.classifier;
  classify->record.join_header = config.join.header;
  classify->record.verp_prefix = pipeline_options.verp_prefix;
  classify->record.verp_separator =
      pipeline_options.verp_separator.empty() ? '+' : pipeline_options.verp_separator[0];
  classify->raw_retention_days = config.raw_retention_days;
  auto store = std::make_shared<store::BounceStoreOptions>();
  store->join = config.join;
  store->policy = config.suppression;
  store->raw_retention_days = config.raw_retention_days;
  auto maillog = std::make_shared<store::MaillogOptions>();
  maillog->verp_prefix = classify->record.verp_prefix;
  maillog->verp_separator = classify->record.verp_separator;
  maillog->join = config.join;
  maillog->suppression = config.suppression;
  run.settings = {std::move(classify), std::move(store), std::move(maillog)};
  run.config = std::move(loaded.config);
  run.warnings = std::move(warnings);
  return run;
}

// SIGTERM, SIGINT and SIGHUP are taken by the main loop with sigtimedwait (service/daemon.hpp).
// They must be blocked before any thread starts, so that no other thread is picked to receive
// them.
sigset_t block_daemon_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

int run_daemon(const StoreOptions& options) {
  const sigset_t signals = block_daemon_signals();
  auto loaded = load_run(options);
  if (auto* errors = std::get_if<std::vector<std::string>>(&loaded)) {
    for (const auto& error : *errors) std::cerr << error << "\n";
    return exit_code::usage;
  }
  auto& run = std::get<service::LoadedRun>(loaded);
  const LogConfig& log_config = run.config.daemon.log;
  log::EventLog log(log_config.format, log::parse_log_level(log_config.level));
  log.install_as_default();
  for (const auto& warning : run.warnings) log.warning("config_warning", {{"warning", warning}});

  auto migrations = store::load_migrations(store::default_schema_dir());
  if (auto* error = std::get_if<store::StoreError>(&migrations)) {
    log.error("setup_failed", {{"error", error->to_string()}});
    return exit_code::database;
  }
  const auto& all_migrations = std::get<std::vector<store::Migration>>(migrations);
  service::DaemonDatabase database;
  database.schema_version = all_migrations.size();
  database.conninfo = run.config.database_url;
  // No database configured: the embedded cluster, owned by this daemon while it runs.
  std::unique_ptr<store::EmbeddedCluster> cluster;
  if (database.conninfo.empty()) {
    store::EmbeddedClusterOptions cluster_options;
    cluster_options.directory = (std::filesystem::path(run.config.state_dir) / "pg").string();
    cluster_options.bin_dir = run.config.pg_bin_dir;
    cluster_options.daemon = true;
    auto started = store::EmbeddedCluster::start(cluster_options);
    if (auto* error = std::get_if<store::StoreError>(&started)) {
      log.error("setup_failed", {{"error", "embedded database: " + error->to_string()}});
      return exit_code::database;
    }
    cluster = std::get<std::unique_ptr<store::EmbeddedCluster>>(std::move(started));
    database.conninfo = cluster->conninfo();
    log.info("embedded_database", {{"directory", cluster_options.directory},
                                   {"started_here", cluster->started_by_us()}});
    // A private cluster is ours to keep current; a configured server is migrated by
    // `bounced db migrate` (the writer waits until it is).
    auto connected = store::Database::connect(database.conninfo);
    if (auto* error = std::get_if<store::StoreError>(&connected)) {
      log.error("setup_failed", {{"error", error->to_string()}});
      return exit_code::database;
    }
    auto applied = std::get<std::unique_ptr<store::Database>>(connected)->migrate(all_migrations);
    if (auto* error = std::get_if<store::StoreError>(&applied)) {
      log.error("setup_failed", {{"error", "migrate: " + error->to_string()}});
      return exit_code::database;
    }
  }

  auto created = service::Daemon::create(
      std::move(run), database, [options] { return load_run(options); }, log);
  if (auto* error = std::get_if<std::string>(&created)) {
    log.error("setup_failed", {{"error", *error}});
    return exit_code::usage;
  }
  auto daemon = std::get<std::unique_ptr<service::Daemon>>(std::move(created));
  if (daemon->run(signals)) return exit_code::ok;
  // Out of time with the writer still inside a transaction. Stopping the embedded server ends
  // it (rolled back: the claimed mail is recovered by the next start); with a server of its own
  // the process just leaves, without waiting for threads that may never return.
  if (cluster) cluster.reset();
  std::cerr.flush();
  ::_exit(exit_code::partial);
}

}  // namespace

void register_run_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<StoreOptions>();
  CLI::App* cmd = app.add_subcommand(
      "run", "Run as a daemon: every configured source (maildir, imap, milter, maillog) at once");
  add_store_options(*cmd, *options);
  cmd->callback([options, &exit_code] { exit_code = run_daemon(*options); });
}

}  // namespace bounced::daemon::cli
