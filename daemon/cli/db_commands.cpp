// bounced db migrate | status | purge
// migrate applies the schema/NNN_*.sql files not yet recorded, in one transaction; running it
// again changes nothing. status lists what is applied and what is pending. purge drops the raw
// bytes of mail past its retention (run daily by packaging/systemd/bounced-purge.timer).
#include <algorithm>
#include <filesystem>
#include <iostream>

#include "commands.hpp"
#include "data_paths.hpp"
#include "exit_codes.hpp"
#include "format_catalog.hpp"
#include "raw_mail_purger.hpp"
#include "service/server_sources.hpp"
#include "state_dir_access.hpp"
#include "store_session.hpp"

namespace bounced::daemon::cli {

namespace {

void register_purge(CLI::App& db, int& exit_code) {
  auto options = std::make_shared<StoreOptions>();
  CLI::App* purge = db.add_subcommand(
      "purge", "Drop the raw bytes of stored mail past its retention (raw_retention_days)");
  add_store_options(*purge, *options);
  purge->callback([options, &exit_code] {
    auto session = open_store(*options, false, &exit_code);
    if (!session) return;
    auto purged = store::RawMailPurger(*session->db).purge(store::now_seconds());
    if (auto* error = std::get_if<store::StoreError>(&purged)) {
      std::cerr << "purge: " << error->to_string() << "\n";
      exit_code = exit_code::database;
      return;
    }
    std::cout << "purged the raw mail of " << std::get<store::PurgeSummary>(purged).purged
              << " messages past retention\n";
  });
}

void register_db(CLI::App& app, int& exit_code) {
  CLI::App* db = app.add_subcommand("db", "Database schema");
  db->require_subcommand(1);
  auto options = std::make_shared<StoreOptions>();

  CLI::App* migrate = db->add_subcommand("migrate", "Apply missing schema migrations");
  add_store_options(*migrate, *options);
  migrate->callback([options, &exit_code] {
    auto config = load_effective_config(*options);
    if (!config) {
      exit_code = exit_code::usage;
      return;
    }
    if (config->database_url.empty()) {
      // The embedded cluster is created and migrated on open.
      if (!open_store(*options, false, &exit_code)) return;
      std::cout << "embedded database under " << config->state_dir << "/pg is current\n";
      return;
    }
    std::unique_ptr<store::Database> database;
    auto connected = store::Database::connect(config->database_url);
    if (auto* error = std::get_if<store::StoreError>(&connected)) {
      std::cerr << error->to_string() << "\n";
      exit_code = exit_code::database;
      return;
    }
    database = std::get<std::unique_ptr<store::Database>>(std::move(connected));
    auto migrations = store::load_migrations(store::default_schema_dir());
    if (auto* error = std::get_if<store::StoreError>(&migrations)) {
      std::cerr << error->to_string() << "\n";
      exit_code = exit_code::usage;
      return;
    }
    auto applied = database->migrate(std::get<std::vector<store::Migration>>(migrations));
    if (auto* error = std::get_if<store::StoreError>(&applied)) {
      std::cerr << "migrate: " << error->to_string() << "\n";
      exit_code = exit_code::database;
      return;
    }
    const auto& names = std::get<std::vector<std::string>>(applied);
    if (names.empty()) std::cout << "schema is current\n";
    for (const auto& name : names) std::cout << "applied " << name << "\n";
  });

  CLI::App* status = db->add_subcommand("status", "Show applied and pending migrations");
  add_store_options(*status, *options);
  status->callback([options, &exit_code] {
    auto config = load_effective_config(*options);
    if (!config) {
      exit_code = exit_code::usage;
      return;
    }
    // Looks without changing anything: no migration, not even of the embedded cluster, and a
    // configured database whose schema is behind is exactly what this is for.
    std::unique_ptr<store::EmbeddedCluster> cluster;
    std::string conninfo = config->database_url;
    if (conninfo.empty()) {
      store::EmbeddedClusterOptions cluster_options;
      cluster_options.directory = (std::filesystem::path(config->state_dir) / "pg").string();
      cluster_options.bin_dir = config->pg_bin_dir;
      auto started = store::EmbeddedCluster::start(cluster_options);
      if (auto* error = std::get_if<store::StoreError>(&started)) {
        std::cerr << "embedded database: " << error->to_string() << "\n";
        exit_code = exit_code::database;
        return;
      }
      cluster = std::get<std::unique_ptr<store::EmbeddedCluster>>(std::move(started));
      conninfo = cluster->conninfo();
    }
    auto connected = store::Database::connect(conninfo);
    if (auto* error = std::get_if<store::StoreError>(&connected)) {
      std::cerr << error->to_string() << "\n";
      exit_code = exit_code::database;
      return;
    }
    auto database = std::get<std::unique_ptr<store::Database>>(std::move(connected));
    auto versions = database->applied_versions();
    auto migrations = store::load_migrations(store::default_schema_dir());
    if (auto* error = std::get_if<store::StoreError>(&versions)) {
      std::cerr << error->to_string() << "\n";
      exit_code = exit_code::database;
      return;
    }
    if (auto* error = std::get_if<store::StoreError>(&migrations)) {
      std::cerr << error->to_string() << "\n";
      exit_code = exit_code::usage;
      return;
    }
    const auto& done = std::get<std::vector<int>>(versions);
    size_t pending = 0;
    for (const auto& migration : std::get<std::vector<store::Migration>>(migrations)) {
      const bool applied = std::find(done.begin(), done.end(), migration.version) != done.end();
      pending += applied ? 0 : 1;
      std::cout << (applied ? "applied  " : "pending  ") << migration.name << "\n";
    }
    std::cout << (pending ? std::to_string(pending) + " pending: run `bounced db migrate`"
                          : std::string("schema is current"))
              << "\n";
  });

  register_purge(*db, exit_code);
}

void register_config(CLI::App& app, int& exit_code) {
  CLI::App* config = app.add_subcommand("config", "Configuration");
  config->require_subcommand(1);
  auto options = std::make_shared<StoreOptions>();
  CLI::App* check = config->add_subcommand(
      "check", "Load the configuration, report every problem with its place, start nothing");
  add_store_options(*check, *options);
  check->callback([options, &exit_code] {
    // Every problem in one run: the file's, then the rule pack's and the format catalog's it
    // names, then whether the embedded database's directory is usable.
    LoadedConfig loaded = load_config(config_path(options->config_file));
    size_t errors = 0;
    for (const auto& message : loaded.messages) {
      std::cerr << message.text << (message.is_error ? "" : " [warning]") << "\n";
      errors += message.is_error;
    }
    Config effective = std::move(loaded.config);
    if (!options->state_dir.empty()) effective.state_dir = options->state_dir;
    if (!options->database_url.empty()) effective.database_url = options->database_url;
    effective.state_dir = effective_state_dir(effective);
    const PipelineOptions pipeline = pipeline_options_for(effective, {});
    std::vector<std::string> dirs = pipeline.rules_dirs;
    if (dirs.empty()) dirs.push_back(default_data_paths().rules_dir);
    // A directory that does not exist was reported with its place in the file already.
    std::erase_if(dirs, [](const std::string& dir) {
      std::error_code error;
      return !std::filesystem::is_directory(dir, error);
    });
    const PackCheck pack = check_rule_pack(dirs, true);
    errors += pack.errors;
    const auto catalog = classifiers::FormatCatalog::load_directory(
        pipeline.formats_dir.empty() ? default_data_paths().formats_dir : pipeline.formats_dir);
    if (const auto* error = std::get_if<classifiers::CatalogError>(&catalog)) {
      std::cerr << error->message << "\n";
      ++errors;
    }
    if (effective.database_url.empty()) {
      if (auto problem = unreachable_state_dir(effective.state_dir)) {
        std::cerr << *problem << "\n";
        ++errors;
      }
    }
    // The options of the IMAP and milter entries are read by the code that builds them.
    for (const auto& source : effective.daemon.sources) {
      if (source.type != "imap" && source.type != "milter") continue;
      for (const auto& message : service::check_server_source(source, effective)) {
        std::cerr << message.text << (message.is_error ? "" : " [warning]") << "\n";
        errors += message.is_error;
      }
    }
    if (errors > 0) {
      std::cerr << errors << " error(s)\n";
      exit_code = exit_code::usage;
      return;
    }
    std::cout << (effective.source_file.empty() ? std::string("built-in defaults")
                                                : effective.source_file)
              << ": ok\n"
              << "  database: "
              << (effective.database_url.empty() ? "embedded under " + effective.state_dir + "/pg"
                                                 : std::string("configured"))
              << "\n  rules: ";
    for (size_t i = 0; i < dirs.size(); ++i) std::cout << (i ? ", " : "") << dirs[i];
    std::cout << " (" << (pack.classifier ? pack.classifier->rule_count() : 0) << " rules)"
              << "\n  join header: " << effective.join.header
              << ", window: " << store::format_duration(effective.join.window)
              << "\n  bounce mailbox: ";
    for (const auto& domain : effective.bounce_domains) std::cout << domain << ", ";
    std::cout << (effective.verp_prefix.empty()
                      ? std::string("no VERP prefix")
                      : effective.verp_prefix + effective.verp_separator + "...@")
              << "\n  raw retention: " << effective.raw_retention_days << " days\n";
    for (const auto& [category, rule] : effective.suppression.categories) {
      std::cout << "  suppress " << category << ": ";
      switch (rule.mode) {
        case store::CategoryRule::Mode::never:
          std::cout << "never";
          break;
        case store::CategoryRule::Mode::immediate:
          std::cout << "immediately";
          break;
        case store::CategoryRule::Mode::threshold:
          std::cout << rule.count << " within " << store::format_duration(rule.within);
          break;
      }
      if (rule.mode != store::CategoryRule::Mode::never) {
        std::cout << (rule.duration ? ", for " + store::format_duration(*rule.duration)
                                    : std::string(", until removed"));
      }
      if (category == "complaint") {
        std::cout << " (reasons:";
        for (const auto& reason : effective.suppression.complaint_reasons)
          std::cout << " " << reason;
        std::cout << ")";
      }
      std::cout << "\n";
    }
    for (const auto& [domain, rules] : effective.suppression.domains) {
      std::cout << "  domain " << domain << ": " << rules.size() << " override(s)\n";
    }
    // What `bounced run` would start.
    for (const auto& source : effective.daemon.sources) {
      std::cout << "  source " << source.name << ": " << source.type;
      if (source.type == "maildir") std::cout << " " << source.maildir.path;
      if (source.type == "maillog") std::cout << " " << source.maillog.path;
      std::cout << "\n";
    }
  });
}

}  // namespace

void register_db_commands(CLI::App& app, int& exit_code) {
  register_db(app, exit_code);
  register_config(app, exit_code);
}

}  // namespace bounced::daemon::cli
