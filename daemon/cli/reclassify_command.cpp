// bounced reclassify --since TIME
// Re-runs the current rules over the raw bounces received since TIME (kept for
// raw_retention_days) and updates verdicts and suppressions, recording both. A manual removal
// holds: old mail never re-suppresses an address removed by hand after it was received.
#include <iostream>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "listing.hpp"
#include "reclassifier.hpp"
#include "store_session.hpp"

namespace bounced::daemon::cli {

void register_reclassify_command(CLI::App& app, int& exit_code) {
  struct Options {
    StoreOptions store;
    PipelineOptions pipeline;
    std::string since;
  };
  auto options = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("reclassify", "Re-run the rules over stored bounces");
  add_store_options(*cmd, options->store);
  add_pipeline_options(*cmd, options->pipeline);
  cmd->add_option("--since", options->since,
                  "Bounces bounced received since then: a duration back from now (7d, 48h) or "
                  "an RFC 3339 time")
      ->required()
      ->expected(1);
  cmd->callback([options, &exit_code] {
    auto since = since_or_report(options->since);
    if (!since) {
      exit_code = exit_code::usage;
      return;
    }
    auto session = open_store(options->store, false, &exit_code);
    if (!session) return;
    auto pipeline = build_pipeline(pipeline_options_for(session->config, options->pipeline));
    if (!pipeline) {
      exit_code = exit_code::usage;
      return;
    }
    store::Reclassifier reclassifier(*session->db, session->config.suppression);
    auto result = reclassifier.run(*since, [&](const std::string& raw) {
      std::vector<store::RecipientVerdict> verdicts;
      const ClassifiedMessage message = pipeline->run("stored", raw);
      for (const auto& [status, verdict] : message.recipients) {
        verdicts.push_back({status.address, std::string(rules::to_string(verdict.category)),
                            verdict.reason, verdict.rule});
      }
      return verdicts;
    });
    if (auto* error = std::get_if<store::StoreError>(&result)) {
      std::cerr << error->to_string() << "\n";
      exit_code = exit_code::database;
      return;
    }
    const auto& summary = std::get<store::ReclassifySummary>(result);
    std::cout << "re-read " << summary.messages << " stored messages received since "
              << store::format_iso_time(*since) << ": " << summary.changed << " verdicts changed, "
              << summary.lifted << " suppressions lifted, " << summary.suppressed << " made\n";
  });
}

}  // namespace bounced::daemon::cli
