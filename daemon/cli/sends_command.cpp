// bounced sends import FILE...
// Imports synchronous outcomes from CSV (header row) or JSON Lines, streaming, in batched
// transactions; the reply of each non-accepted send is classified with the same rules as
// bounces. Bad records are reported as FILE:LINE: reason and skipped. Exit status: 0 all
// imported, 1 some records skipped, 3 the database failed.
#include <fstream>
#include <iostream>

#include "commands.hpp"
#include "send_reader.hpp"
#include "send_store.hpp"
#include "store_session.hpp"

namespace bounced::daemon::cli {

namespace {

struct SendsOptions {
  StoreOptions store;
  PipelineOptions pipeline;
  std::vector<std::string> files;
  size_t batch_size = 20000;
  std::string format;  // "" = guess
};

}  // namespace

void register_sends_commands(CLI::App& app, int& exit_code) {
  CLI::App* sends = app.add_subcommand("sends", "Synchronous outcomes of sent mail");
  sends->require_subcommand(1);
  auto options = std::make_shared<SendsOptions>();
  CLI::App* import = sends->add_subcommand("import", "Import a send log (CSV or JSONL)");
  add_store_options(*import, options->store);
  import->add_option("--rules", options->pipeline.rules_dirs, "Rule directories");
  import->add_option("--batch", options->batch_size, "Records per transaction");
  import->add_option("--format", options->format, "csv or jsonl (default: by extension)")
      ->check(CLI::IsMember({"csv", "jsonl"}));
  import->add_option("files", options->files, "Send log files (- for stdin)")->required();
  import->callback([options, &exit_code] {
    auto session = open_store(options->store);
    if (!session) {
      exit_code = 2;
      return;
    }
    auto classifier =
        build_rules(pipeline_options_for(session->config, options->pipeline).rules_dirs, false);
    if (!classifier) {
      exit_code = 2;
      return;
    }
    store::SendStore send_store(*session->db, session->config.join);
    size_t imported = 0, replayed = 0, late = 0, skipped = 0;
    std::string failure;
    for (const auto& file : options->files) {
      std::ifstream stream;
      std::istream* in = &std::cin;
      if (file != "-") {
        stream.open(file, std::ios::binary);
        if (!stream) {
          std::cerr << file << ": cannot open\n";
          ++skipped;
          continue;
        }
        in = &stream;
      }
      const store::SendFormat format =
          options->format == "csv"     ? store::SendFormat::csv
          : options->format == "jsonl" ? store::SendFormat::jsonl
                                       : store::guess_send_format(file, *in);
      size_t errors_shown = 0;
      const auto stats = store::read_sends(
          *in, format, options->batch_size,
          [&](std::vector<store::SendRecord>& batch) {
            for (auto& record : batch) store::classify_sync_outcome(record, *classifier);
            auto written = send_store.write(batch);
            if (auto* error = std::get_if<store::StoreError>(&written)) {
              failure = error->to_string();
              return false;
            }
            const auto& summary = std::get<store::SendWriteSummary>(written);
            imported += summary.inserted;
            replayed += summary.unchanged;
            late += summary.late_joined.total();
            return true;
          },
          [&](const store::SendReadError& error) {
            if (++errors_shown <= 100) std::cerr << error.to_string(file) << "\n";
          });
      skipped += stats.skipped;
      if (errors_shown > 100) std::cerr << file << ": " << errors_shown - 100 << " more errors\n";
      if (!failure.empty()) break;
    }
    std::cout << "imported " << imported << " sends, " << replayed << " already known, "
              << skipped << " skipped, " << late << " waiting bounces joined\n";
    if (!failure.empty()) {
      std::cerr << "stopped: " << failure << "\n";
      exit_code = 3;
    } else if (skipped > 0) {
      exit_code = 1;
    }
  });
}

}  // namespace bounced::daemon::cli
