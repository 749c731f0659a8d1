// bounced classify [--config FILE] [--format text|jsonl] PATH...
// Parses and classifies each message with the configured rules and prints one line per message
// (jsonl) or one aligned row per recipient (text). Exit status (exit_codes.hpp): 0 all read,
// 1 some messages could not be read, 2 bad command line, configuration or rule pack.
#include <atomic>
#include <future>
#include <iomanip>
#include <iostream>
#include <memory>
#include <thread>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "intake/message_source.hpp"
#include "report_json.hpp"
#include "runtime.hpp"

namespace bounced::daemon::cli {

namespace {

struct ClassifyOptions {
  PipelineOptions pipeline;
  std::string format = "text";
  std::vector<std::string> paths;
  unsigned jobs = 1;
};

// Runs the pipeline over a batch on `jobs` threads; results keep the input order. The pipeline
// is immutable, so threads share it.
std::vector<ClassifiedMessage> run_batch(const Pipeline& pipeline,
                                         const std::vector<SourceMessage>& batch, unsigned jobs) {
  std::vector<ClassifiedMessage> results(batch.size());
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < batch.size(); i = next++) {
      results[i] = pipeline.run(batch[i].name, batch[i].bytes);
    }
  };
  std::vector<std::jthread> threads;
  for (unsigned t = 1; t < jobs; ++t) threads.emplace_back(work);
  work();
  return results;
}

std::string shorten(std::string_view text, size_t width) {
  if (text.size() <= width) return std::string(text);
  size_t cut = width - 3;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return std::string(text.substr(0, cut)) + "...";
}

void print_text_row(const ClassifiedMessage& message) {
  const std::string file = std::filesystem::path(message.source).filename().string();
  auto row = [&](std::string_view recipient, std::string_view category, std::string_view reason,
                 std::string_view status, std::string_view text) {
    std::cout << std::left << std::setw(28) << shorten(file, 27) << " " << std::setw(32)
              << shorten(recipient, 31) << " " << std::setw(10) << category << " " << std::setw(20)
              << shorten(reason, 19) << " " << std::setw(7) << status << " " << shorten(text, 70)
              << "\n";
  };
  if (message.recipients.empty()) {
    row("-", classifiers::to_string(message.report.kind), "-", "-",
        message.error.empty() ? message.report.subject : message.error);
    return;
  }
  for (const auto& [status, verdict] : message.recipients) {
    row(status.address, rules::to_string(verdict.category), verdict.reason,
        status.status.empty() ? "-" : status.status, status.diagnostic);
  }
}

}  // namespace

void register_classify_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<ClassifyOptions>();
  CLI::App* cmd = app.add_subcommand("classify", "Parse and classify bounce messages");
  add_config_option(*cmd, options->pipeline);
  add_pipeline_options(*cmd, options->pipeline);
  cmd->add_option("--format", options->format, "Output format")
      ->check(CLI::IsMember({"text", "jsonl"}));
  cmd->add_option("-j,--jobs", options->jobs, "Parse and classify on this many threads")
      ->check(CLI::Range(1u, 256u));
  cmd->add_option("paths", options->paths, "Message file, directory, Maildir, mbox, or - (stdin)")
      ->required();
  cmd->callback([options, &exit_code] {
    auto configured = configured_pipeline_options(options->pipeline);
    auto pipeline = configured ? build_pipeline(*configured) : std::nullopt;
    if (!pipeline) {
      exit_code = exit_code::usage;
      return;
    }
    const bool jsonl = options->format == "jsonl";
    if (!jsonl) {
      std::cout << std::left << std::setw(28) << "FILE"
                << " " << std::setw(32) << "RECIPIENT"
                << " " << std::setw(10) << "CATEGORY"
                << " " << std::setw(20) << "REASON"
                << " " << std::setw(7) << "STATUS"
                << " DIAGNOSTIC\n";
    }
    size_t failed = 0;
    auto emit = [&](const ClassifiedMessage& message) {
      if (message.report.kind == classifiers::ReportKind::error) {
        ++failed;
        std::cerr << message.source << ": " << message.error << "\n";
      }
      for (const auto& warning : message.report.warnings) {
        std::cerr << message.source << ": warning: " << warning << "\n";
      }
      if (jsonl) {
        std::cout << to_json(message).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
                  << "\n";
      } else {
        print_text_row(message);
      }
    };
    const unsigned jobs = std::max(1u, options->jobs);
    // With --jobs, a batch is classified on `jobs` threads while this thread reads the next one
    // and prints the one before: reading and printing are a sixth of the work, and the other
    // threads used to wait for them. Output keeps the input order.
    std::vector<SourceMessage> batch;
    std::future<std::vector<ClassifiedMessage>> classified;
    constexpr size_t kBatch = 512;
    auto flush = [&] {
      auto previous = std::move(classified);
      if (!batch.empty()) {
        classified =
            std::async(std::launch::async, [&pipeline = *pipeline, jobs, owned = std::move(batch)] {
              return run_batch(pipeline, owned, jobs);
            });
        batch.clear();
      }
      if (previous.valid()) {
        for (const auto& message : previous.get()) emit(message);
      }
    };
    for_each_message(
        options->paths, effective_limits(options->pipeline).max_message_size,
        [&](SourceMessage&& source) {
          if (jobs == 1) {
            emit(pipeline->run(source.name, source.bytes));
            return;
          }
          batch.push_back(std::move(source));
          if (batch.size() == kBatch) flush();
        },
        [&](const SourceError& error) {
          ++failed;
          std::cerr << error.name << ": " << error.reason << "\n";
        });
    flush();
    flush();
    if (failed > 0) {
      std::cerr << failed << " message(s) could not be read\n";
      exit_code = exit_code::partial;
    }
  });
}

}  // namespace bounced::daemon::cli
