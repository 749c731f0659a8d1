// bounced sends import FILE...
// Imports synchronous outcomes from CSV (header row) or JSON Lines, streaming, in batched
// transactions; the reply of each non-accepted send is classified with the same rules as
// bounces, and refusals go through the suppression policy. Bad records are reported as
// FILE:LINE: reason and skipped. Exit status: 0 all imported, 1 some records skipped, 3 the
// database failed.
//
// Reading and writing overlap: while batch N is written on its own thread (the server does the
// work: COPY, the unique check, five indexes), batch N+1 is parsed and classified here. One
// batch is in the database at a time, so batches commit in file order.
#include <fstream>
#include <future>
#include <iostream>
#include <optional>

#include "commands.hpp"
#include "exit_codes.hpp"
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
  add_rules_option(*import, options->pipeline.rules_dirs);
  import->add_option("--batch", options->batch_size, "Records per transaction");
  import->add_option("--format", options->format, "csv or jsonl (default: by extension)")
      ->check(CLI::IsMember({"csv", "jsonl"}));
  import->add_option("files", options->files, "Send log files (- for stdin)")->required();
  import->callback([options, &exit_code] {
    auto session = open_store(options->store, false, &exit_code);
  if (!session) return;
  auto classifier =
      build_rules(pipeline_options_for(session->config, options->pipeline).rules_dirs, false);
  if (!classifier) {
    exit_code = exit_code::usage;
    return;
  }
  store::SendStore send_store(*session->db, session->config.join, session->config.suppression);
  size_t imported = 0, merged = 0, replayed = 0, late = 0, skipped = 0, suppressed = 0;
  std::string failure;
  // The batch being written, and the wait for it; false once a write failed.
  std::vector<store::SendRecord> writing;
  std::optional<std::future<store::Result<store::SendWriteSummary>>> written;
  auto finish_write = [&]() -> bool {
    if (!written) return failure.empty();
    auto result = written->get();
    written.reset();
    if (auto* error = std::get_if<store::StoreError>(&result)) {
      failure = error->to_string();
      return false;
    }
    const auto& summary = std::get<store::SendWriteSummary>(result);
    imported += summary.inserted;
    merged += summary.updated;
    replayed += summary.unchanged;
    late += summary.late_joined.total();
    suppressed += summary.suppressed;
    return true;
  };
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
    const store::SendFormat format = options->format == "csv" ? store::SendFormat::csv
                                     : options->format == "jsonl"
                                         ? store::SendFormat::jsonl
                                         : store::guess_send_format(file, *in);
    size_t errors_shown = 0;
    const auto stats = store::read_sends(
        *in, format, options->batch_size,
        [&](std::vector<store::SendRecord>& batch) {
          for (auto& record : batch) store::classify_sync_outcome(record, *classifier);
          if (!finish_write()) return false;
          writing = std::move(batch);
          written = std::async(std::launch::async, [&] { return send_store.write(writing); });
          return true;
        },
        [&](const store::SendReadError& error) {
          if (++errors_shown <= 100) std::cerr << error.to_string(file) << "\n";
        });
    finish_write();
    skipped += stats.skipped;
    if (errors_shown > 100) std::cerr << file << ": " << errors_shown - 100 << " more errors\n";
    if (!failure.empty()) break;
  }
  // Fresh statistics for the joins that follow; 50,000 rows is where a stale estimate starts
  // to cost more than the ANALYZE (a sample of 30,000 rows per partition). Only what the
  // import left stale is analyzed (SendStore::refresh_statistics).
  if (failure.empty() && imported >= 50000) {
    const auto analyzed = send_store.refresh_statistics();
    if (const auto* error = std::get_if<store::StoreError>(&analyzed)) {
      std::cerr << "analyze: " << error->to_string() << "\n";
    }
  }
  std::cout << "imported " << imported << " new sends, " << merged
            << " merged into sends already known (the MTA log's), " << replayed
            << " already known, " << skipped << " skipped, " << late << " waiting bounces joined, "
            << suppressed << " suppressed\n";
  if (!failure.empty()) {
    std::cerr << "stopped: " << failure << "\n";
    exit_code = exit_code::database;
  } else if (skipped > 0) {
    exit_code = exit_code::partial;
  }
});
}  // namespace bounced::daemon::cli

}  // namespace bounced::daemon::cli
