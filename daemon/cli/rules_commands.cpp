// bounced rules check [DIR...]      validate a rule pack: YAML, regexes, ids, reasons, examples
// bounced rules diff --old DIR --new DIR PATH...   verdicts that change between two packs
// bounced explain FILE              the parsed report and, per recipient, how the verdict came
// bounced unknowns PATH...          unmatched diagnostics grouped by shape, most frequent first
// bounced rules reasons           the taxonomy, with SES / SparkPost / PowerMTA equivalents
// bounced rules bench PATH...       diagnostics classified per second with a pack (one thread)
#include <re2/re2.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>

#include "commands.hpp"
#include "data_paths.hpp"
#include "exit_codes.hpp"
#include "intake/message_source.hpp"
#include "runtime.hpp"

namespace bounced::daemon::cli {

namespace {

struct CheckOptions {
  PipelineOptions pipeline;  // config_file
  std::vector<std::string> dirs;
  bool quiet_warnings = false;
};

// rules check: every problem of the pack in one run (check_rule_pack).
int run_rules_check(const CheckOptions& options) {
  std::vector<std::string> dirs = options.dirs;
  if (dirs.empty()) {
    auto configured = configured_pipeline_options(options.pipeline);
    if (!configured) return exit_code::usage;
    dirs = configured->rules_dirs;
  }
  if (dirs.empty()) dirs.push_back(default_data_paths().rules_dir);
  const PackCheck check = check_rule_pack(dirs, options.quiet_warnings);
  if (check.errors > 0) {
    std::cerr << check.errors << " error(s)\n";
    return exit_code::usage;
  }
  size_t examples = 0;
  for (const auto& set : check.classifier->sets()) {
    for (const auto& rule : set.rules)
      examples += rule.examples.size() + rule.counterexamples.size();
  }
  std::cout << "ok: " << check.classifier->sets().size() << " rule sets, "
            << check.classifier->rule_count() << " rules, " << examples << " examples checked\n";
  return exit_code::ok;
}

std::string verdict_summary(const rules::Verdict& verdict) {
  return std::string(rules::to_string(verdict.category)) + "/" + verdict.reason + " (" +
         verdict.rule + ")";
}

// Addresses, numbers, hex ids and host names vary between otherwise identical diagnostics.
std::string normalize_diagnostic(std::string text) {
  static const re2::RE2 address(R"([^\s<>()\[\]"']+@[^\s<>()\[\]"']+)");
  static const re2::RE2 host(R"(\b(?:[a-z0-9-]+\.)+[a-z]{2,}\b)");
  static const re2::RE2 ip(R"(\b\d{1,3}(?:\.\d{1,3}){3}\b)");
  static const re2::RE2 id(R"(\b[0-9A-Za-z]*\d[0-9A-Za-z\-_]{5,}\b)");
  static const re2::RE2 number(R"(\b\d{4,}\b)");
  if (text.size() > 300) text.resize(300);
  re2::RE2::GlobalReplace(&text, address, "<addr>");
  re2::RE2::GlobalReplace(&text, ip, "<ip>");
  re2::RE2::GlobalReplace(&text, host, "<host>");
  re2::RE2::GlobalReplace(&text, id, "<id>");
  re2::RE2::GlobalReplace(&text, number, "<n>");
  return text;
}

}  // namespace

void register_rules_commands(CLI::App& app, int& exit_code) {
  CLI::App* rules_cmd = app.add_subcommand("rules", "Validate and compare rule packs");
  rules_cmd->require_subcommand(1);

  auto check = std::make_shared<CheckOptions>();
  CLI::App* check_cmd = rules_cmd->add_subcommand(
      "check", "Load rule directories, compile every regex and run every example; start nothing");
  add_config_option(*check_cmd, check->pipeline);
  check_cmd->add_option("dirs", check->dirs,
                        "Rule directories in load order (default: the shipped pack, then the "
                        "configuration's rules.dirs)");
  check_cmd->add_flag("--no-warnings", check->quiet_warnings, "Do not print warnings");
  check_cmd->callback([check, &exit_code] { exit_code = run_rules_check(*check); });

  struct DiffOptions {
    std::vector<std::string> old_dirs, new_dirs, paths;
    PipelineOptions pipeline;
  };
  auto diff = std::make_shared<DiffOptions>();
  CLI::App* diff_cmd = rules_cmd->add_subcommand(
      "diff", "Classify the same mails with two rule packs and list every verdict that changes");
  add_config_option(*diff_cmd, diff->pipeline);
  diff_cmd
      ->add_option("--old", diff->old_dirs,
                   "A rule directory of the current pack (repeat for several)")
      ->required()
      ->allow_extra_args(false);
  diff_cmd
      ->add_option("--new", diff->new_dirs,
                   "A rule directory of the candidate pack (repeat for several)")
      ->required()
      ->allow_extra_args(false);
  diff_cmd->add_option("paths", diff->paths, "Messages (file, directory, Maildir, mbox)")
      ->required();
  diff_cmd->callback([diff, &exit_code] {
    auto configured = configured_pipeline_options(diff->pipeline);
    if (!configured) {
      exit_code = exit_code::usage;
      return;
    }
    PipelineOptions old_options = *configured;
    old_options.rules_dirs = diff->old_dirs;
    auto old_pipeline = build_pipeline(old_options);
    auto new_rules = build_rules(diff->new_dirs, false);
    if (!old_pipeline || !new_rules) {
      exit_code = exit_code::usage;
      return;
    }
    size_t messages = 0, recipients = 0, changed = 0;
    for_each_message(
        diff->paths, effective_limits(diff->pipeline).max_message_size,
        [&](SourceMessage&& source) {
          ++messages;
          const ClassifiedMessage message = old_pipeline->run(source.name, source.bytes);
          for (const auto& [status, verdict] : message.recipients) {
            ++recipients;
            const rules::Verdict candidate = verdict_for(message.report, status, *new_rules);
            if (candidate.category == verdict.category && candidate.reason == verdict.reason &&
                candidate.rule == verdict.rule) {
              continue;
            }
            ++changed;
            std::cout << std::filesystem::path(source.name).filename().string() << "\t"
                      << status.address << "\t" << verdict_summary(verdict) << " -> "
                      << verdict_summary(candidate) << "\t" << status.diagnostic.substr(0, 120)
                      << "\n";
          }
        },
        [&](const SourceError& error) {
          std::cerr << error.name << ": " << error.reason << "\n";
          exit_code = exit_code::partial;
        });
    std::cerr << changed << " of " << recipients << " verdicts change across " << messages
              << " messages\n";
  });

  CLI::App* reasons_cmd = rules_cmd->add_subcommand(
      "reasons",
      "List every reason with its category and its equivalents in SES, SparkPost and PowerMTA");
  reasons_cmd->callback([] {
    std::cout << "| reason | category | meaning | RFC 3463 | Amazon SES | SparkPost | PowerMTA |\n"
              << "|---|---|---|---|---|---|---|\n";
    for (const auto& reason : rules::all_reasons()) {
      std::cout << "| `" << reason.name << "` | " << rules::to_string(reason.category) << " | "
                << reason.summary << " | " << reason.rfc3463 << " | " << reason.ses << " | "
                << (reason.sparkpost != 0 ? std::to_string(reason.sparkpost) : std::string())
                << " | " << reason.powermta << " |\n";
    }
  });

  struct BenchOptions {
    PipelineOptions pipeline;
    std::vector<std::string> paths;
    double seconds = 3.0;
  };
  auto bench = std::make_shared<BenchOptions>();
  CLI::App* bench_cmd = rules_cmd->add_subcommand(
      "bench", "Classify the diagnostics of the given mails repeatedly and report the rate");
  add_config_option(*bench_cmd, bench->pipeline);
  add_pipeline_options(*bench_cmd, bench->pipeline);
  bench_cmd->add_option("--seconds", bench->seconds, "How long to run");
  bench_cmd->add_option("paths", bench->paths, "Messages whose diagnostics to use")->required();
  bench_cmd->callback([bench, &exit_code] {
    auto configured = configured_pipeline_options(bench->pipeline);
    if (!configured) {
      exit_code = exit_code::usage;
      return;
    }
    const auto load_start = std::chrono::steady_clock::now();
    auto pipeline = build_pipeline(*configured);
    const double load_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - load_start).count();
    if (!pipeline) {
      exit_code = exit_code::usage;
      return;
    }
    // Parse once; keep the reports alive so the inputs' views stay valid.
    std::vector<ClassifiedMessage> messages;
    for_each_message(
        bench->paths, effective_limits(bench->pipeline).max_message_size,
        [&](SourceMessage&& source) {
          messages.push_back(pipeline->run(source.name, source.bytes));
        },
        [](const SourceError&) {});
    std::vector<std::string> domains;
    std::vector<rules::ClassifyInput> inputs;
    for (const auto& message : messages) {
      domains.resize(domains.size() + message.report.recipients.size());
    }
    size_t next = 0;
    for (const auto& message : messages) {
      for (const auto& recipient : message.report.recipients) {
        inputs.push_back(classify_input(message.report, recipient, domains[next++]));
      }
    }
    if (inputs.empty()) {
      std::cerr << "no recipients to classify\n";
      exit_code = exit_code::partial;
      return;
    }
    const auto& classifier = pipeline->classifier();
    size_t done = 0;
    size_t hard = 0;
    const auto start = std::chrono::steady_clock::now();
    double elapsed = 0;
    while (elapsed < bench->seconds) {
      for (const auto& input : inputs)
        hard += classifier.classify(input).category == rules::Category::hard;
      done += inputs.size();
      elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
    std::cout << "rules: " << classifier.rule_count() << " in " << classifier.sets().size()
              << " sets (" << classifier.automaton_count() << " automata), loaded and compiled in "
              << static_cast<long>(load_seconds * 1000) << " ms\n"
              << "diagnostics: " << inputs.size() << " distinct, " << done << " classified in "
              << elapsed << " s: " << static_cast<long>(static_cast<double>(done) / elapsed)
              << " per second (" << hard * inputs.size() / std::max<size_t>(done, 1)
              << " hard per pass)\n";
  });

  auto explain_options = std::make_shared<std::pair<PipelineOptions, std::vector<std::string>>>();
  CLI::App* explain_cmd = app.add_subcommand("explain",
                                             "Show the parsed report and, per recipient, the rule "
                                             "sets consulted and the rule that decided");
  add_config_option(*explain_cmd, explain_options->first);
  add_pipeline_options(*explain_cmd, explain_options->first);
  explain_cmd->add_option("files", explain_options->second, "Message files")->required();
  explain_cmd->callback([explain_options, &exit_code] {
    auto configured = configured_pipeline_options(explain_options->first);
    auto pipeline = configured ? build_pipeline(*configured) : std::nullopt;
    if (!pipeline) {
      exit_code = exit_code::usage;
      return;
    }
    for_each_message(
        explain_options->second, effective_limits(explain_options->first).max_message_size,
        [&](SourceMessage&& source) {
          const ClassifiedMessage message = pipeline->run(source.name, source.bytes);
          const auto& report = message.report;
          std::cout << source.name << "\n"
                    << "  kind:           " << classifiers::to_string(report.kind) << "\n"
                    << "  format:         " << report.format << "\n"
                    << "  from:           " << report.from << "\n"
                    << "  subject:        " << report.subject << "\n";
          if (!report.reporting_mta.empty())
            std::cout << "  reporting-mta:  " << report.reporting_mta << "\n";
          if (!report.verp.empty()) std::cout << "  verp:           " << report.verp << "\n";
          if (!message.error.empty()) std::cout << "  error:          " << message.error << "\n";
          std::cout << "  original:       message-id=" << report.original.message_id
                    << " from=" << report.original.from << " subject=" << report.original.subject
                    << "\n";
          for (const auto& [name, value] : report.original.headers) {
            std::cout << "                  " << name << ": " << value << "\n";
          }
          for (const auto& [status, verdict] : message.recipients) {
            std::cout << "  recipient " << status.address << "\n"
                      << "    action=" << status.action << " status=" << status.status
                      << " reply=" << status.reply_code << " remote-mta=" << status.remote_mta
                      << "\n"
                      << "    diagnostic: " << status.diagnostic << "\n";
            // "action:failed" (a queue that gave up) is the engine's; delivered/relayed are not.
            const bool by_rules =
                verdict.rule != "kind:auto_reply" && verdict.rule != "kind:arf" &&
                (!verdict.rule.starts_with("action:") || verdict.rule == "action:failed");
            rules::Verdict shown = verdict;
            if (by_rules) {
              std::string domain;
              const auto explanation =
                  pipeline->classifier().explain(classify_input(report, status, domain));
              for (const auto& line : explanation.consulted) {
                std::cout << "    consulted: " << line << "\n";
              }
              // explain() also locates the span; the verdict itself is the pipeline's.
              shown.match_begin = explanation.verdict.match_begin;
              shown.match_end = explanation.verdict.match_end;
            }
            std::cout << "    verdict: " << verdict_summary(shown)
                      << (shown.downgraded ? " [hard downgraded: temporary failure]" : "") << "\n";
            if (shown.match_end > shown.match_begin) {
              std::cout << "    matched: \""
                        << status.diagnostic.substr(shown.match_begin,
                                                    shown.match_end - shown.match_begin)
                        << "\" at " << shown.match_begin << "\n";
            }
          }
        },
        [&](const SourceError& error) {
          std::cerr << error.name << ": " << error.reason << "\n";
          exit_code = exit_code::partial;
        });
  });

  auto unknown_options = std::make_shared<std::pair<PipelineOptions, std::vector<std::string>>>();
  CLI::App* unknowns_cmd = app.add_subcommand(
      "unknowns", "Group the diagnostics no rule matched by shape, most frequent first");
  add_config_option(*unknowns_cmd, unknown_options->first);
  add_pipeline_options(*unknowns_cmd, unknown_options->first);
  unknowns_cmd->add_option("paths", unknown_options->second, "Messages")->required();
  unknowns_cmd->callback([unknown_options, &exit_code] {
    auto configured = configured_pipeline_options(unknown_options->first);
    auto pipeline = configured ? build_pipeline(*configured) : std::nullopt;
    if (!pipeline) {
      exit_code = exit_code::usage;
      return;
    }
    struct Group {
      size_t count = 0;
      std::string example;
      std::string file;
    };
    std::map<std::string, Group> groups;
    for_each_message(
        unknown_options->second, effective_limits(unknown_options->first).max_message_size,
        [&](SourceMessage&& source) {
          const ClassifiedMessage message = pipeline->run(source.name, source.bytes);
          for (const auto& [status, verdict] : message.recipients) {
            // Decided by a rule, by kind or by action: not a candidate for a new rule.
            if (verdict.rule.find(':') == std::string::npos && verdict.rule != "none") continue;
            if (verdict.rule.starts_with("kind:") || verdict.rule.starts_with("action:")) continue;
            const std::string key = normalize_diagnostic(
                status.diagnostic.empty() ? "(no diagnostic) status " + status.status
                                          : status.diagnostic);
            Group& group = groups[key];
            if (group.count++ == 0) {
              group.example = status.diagnostic;
              group.file = std::filesystem::path(source.name).filename().string();
            }
          }
        },
        [&](const SourceError& error) {
          std::cerr << error.name << ": " << error.reason << "\n";
          exit_code = exit_code::partial;
        });
    std::vector<std::pair<std::string, Group>> sorted(groups.begin(), groups.end());
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const auto& a, const auto& b) { return a.second.count > b.second.count; });
    for (const auto& [key, group] : sorted) {
      std::cout << group.count << "\t" << key << "\n\te.g. " << group.file << ": "
                << group.example.substr(0, 200) << "\n";
    }
  });
}

}  // namespace bounced::daemon::cli
