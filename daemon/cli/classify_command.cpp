// bounced classify [--format text|jsonl] PATH...
// Parses and classifies each message and prints one line per message (jsonl) or one aligned row
// per recipient (text). Exit status: 0 all read, 1 some messages could not be read, 2 bad usage.
#include <iomanip>
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "intake/message_source.hpp"
#include "report_json.hpp"
#include "runtime.hpp"

namespace bounced::daemon::cli {

namespace {

struct ClassifyOptions {
  PipelineOptions pipeline;
  std::string format = "text";
  std::vector<std::string> paths;
};

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
  add_pipeline_options(*cmd, options->pipeline);
  cmd->add_option("--format", options->format, "Output format")
      ->check(CLI::IsMember({"text", "jsonl"}));
  cmd->add_option("paths", options->paths, "Message file, directory, Maildir, mbox, or - (stdin)")
      ->required();
  cmd->callback([options, &exit_code] {
    auto pipeline = build_pipeline(options->pipeline);
    if (!pipeline) {
      exit_code = 2;
      return;
    }
    const bool jsonl = options->format == "jsonl";
    if (!jsonl) {
      std::cout << std::left << std::setw(28) << "FILE" << " " << std::setw(32) << "RECIPIENT"
                << " " << std::setw(10) << "CATEGORY" << " " << std::setw(20) << "REASON" << " "
                << std::setw(7) << "STATUS" << " DIAGNOSTIC\n";
    }
    size_t failed = 0;
    for_each_message(
        options->paths,
        [&](SourceMessage&& source) {
          const ClassifiedMessage message = pipeline->run(source.name, source.bytes);
          if (message.report.kind == classifiers::ReportKind::error) {
            ++failed;
            std::cerr << source.name << ": " << message.error << "\n";
          }
          if (jsonl) {
            std::cout << to_json(message).dump(-1, ' ', false,
                                               nlohmann::json::error_handler_t::replace)
                      << "\n";
          } else {
            print_text_row(message);
          }
        },
        [&](const SourceError& error) {
          ++failed;
          std::cerr << error.name << ": " << error.reason << "\n";
        });
    if (failed > 0) {
      std::cerr << failed << " message(s) could not be read\n";
      exit_code = 1;
    }
  });
}

}  // namespace bounced::daemon::cli
