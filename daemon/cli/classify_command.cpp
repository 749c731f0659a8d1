// bounced classify [--config FILE] [--format text|jsonl] PATH...
// Parses and classifies each message with the configured rules and prints one line per message
// (jsonl) or one aligned row per recipient (text). Exit status (exit_codes.hpp): 0 all read,
// 1 some messages could not be read, 2 bad command line, configuration or rule pack.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "intake/message_source.hpp"
#include "report_json.hpp"
#include "runtime.hpp"
#include "worker_processes.hpp"

namespace bounced::daemon::cli {

namespace {

struct ClassifyOptions {
  PipelineOptions pipeline;
  std::string format = "text";
  std::vector<std::string> paths;
  unsigned jobs = 1;
};

std::string shorten(std::string_view text, size_t width) {
  if (text.size() <= width) return std::string(text);
  size_t cut = width - 3;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return std::string(text.substr(0, cut)) + "...";
}

void print_text_row(std::ostream& out, const ClassifiedMessage& message) {
  const std::string file = std::filesystem::path(message.source).filename().string();
  auto row = [&](std::string_view recipient, std::string_view category, std::string_view reason,
                 std::string_view status, std::string_view text) {
    out << std::left << std::setw(28) << shorten(file, 27) << " " << std::setw(32)
        << shorten(recipient, 31) << " " << std::setw(10) << category << " " << std::setw(20)
        << shorten(reason, 19) << " " << std::setw(7) << status << " " << shorten(text, 70) << "\n";
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

// What classify prints for one message, made where it was classified (here, or in a worker
// process) and printed here in input order.
struct Printed {
  std::string out;  // its jsonl line or text rows
  std::string err;  // its error and warning lines
  bool failed = false;
};

Printed print(const ClassifiedMessage& message, bool jsonl) {
  Printed printed;
  if (message.report.kind == classifiers::ReportKind::error) {
    printed.failed = true;
    printed.err += message.source + ": " + message.error + "\n";
  }
  for (const auto& warning : message.report.warnings) {
    printed.err += message.source + ": warning: " + warning + "\n";
  }
  if (jsonl) {
    printed.out =
        to_json(message).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  } else {
    std::ostringstream rows;
    print_text_row(rows, message);
    printed.out = std::move(rows).str();
  }
  return printed;
}

// A worker's answer for one message: failed (one byte), the size of out (u64), out, err.
std::string encode(const Printed& printed) {
  const uint64_t out_size = printed.out.size();
  std::string bytes;
  bytes.reserve(1 + sizeof out_size + printed.out.size() + printed.err.size());
  bytes.push_back(printed.failed ? '1' : '0');
  bytes.append(reinterpret_cast<const char*>(&out_size), sizeof out_size);
  bytes.append(printed.out);
  bytes.append(printed.err);
  return bytes;
}

Printed unreadable(const SourceError& error) {
  Printed printed;
  printed.err = error.name + ": " + error.reason + "\n";
  printed.failed = true;
  return printed;
}

// One message, read first if it was left unread: what classify prints for it (nothing for a
// directory entry that turned out to be no file).
Printed classify_one(const Pipeline& pipeline, const SourceMessage& source, bool jsonl,
                     size_t max_size) {
  if (!source.unread) return print(pipeline.run(source.name, source.bytes), jsonl);
  Printed printed;
  read_message_file(
      source.name, max_size,
      [&](SourceMessage&& read) { printed = print(pipeline.run(read.name, read.bytes), jsonl); },
      [&](const SourceError& error) { printed = unreadable(error); });
  return printed;
}

struct PrintedView {
  std::string_view out;
  std::string_view err;
  bool failed = false;
};

PrintedView view(const Printed& printed) {
  return {printed.out, printed.err, printed.failed};
}

PrintedView decode(std::string_view bytes) {
  uint64_t out_size = 0;
  std::memcpy(&out_size, bytes.data() + 1, sizeof out_size);
  const bool failed = bytes[0] == '1';
  bytes.remove_prefix(1 + sizeof out_size);
  return {bytes.substr(0, out_size), bytes.substr(out_size), failed};
}

}  // namespace

void register_classify_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<ClassifyOptions>();
  CLI::App* cmd = app.add_subcommand("classify", "Parse and classify bounce messages");
  add_config_option(*cmd, options->pipeline);
  add_pipeline_options(*cmd, options->pipeline);
  cmd->add_option("--format", options->format, "Output format")
      ->check(CLI::IsMember({"text", "jsonl"}));
  cmd->add_option("-j,--jobs", options->jobs,
                  "Parse and classify in this many worker processes, forked once the rules are "
                  "loaded; output stays in input order, a message whose worker crashes is "
                  "reported as an error (default 1: in this process)")
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
    // Into a file or a pipe, output goes in 64 KiB writes instead of stdio's 4 KiB ones (about
    // one write per message otherwise); a terminal keeps its line buffering.
    if (::isatty(STDOUT_FILENO) == 0) std::setvbuf(stdout, nullptr, _IOFBF, 64 * 1024);
    if (!jsonl) {
      std::cout << std::left << std::setw(28) << "FILE"
                << " " << std::setw(32) << "RECIPIENT"
                << " " << std::setw(10) << "CATEGORY"
                << " " << std::setw(20) << "REASON"
                << " " << std::setw(7) << "STATUS"
                << " DIAGNOSTIC\n";
    }
    size_t failed = 0;
    auto show = [&](const PrintedView& printed) {
      if (printed.failed) ++failed;
      // std::cerr flushes std::cout first (it is tied to it): only when there is something.
      if (!printed.err.empty()) std::cerr << printed.err;
      std::cout << printed.out;
    };
    const size_t max_size = effective_limits(options->pipeline).max_message_size;
    if (options->jobs <= 1) {
      for_each_message(
          options->paths, max_size,
          [&](SourceMessage&& source) {
            show(view(print(pipeline->run(source.name, source.bytes), jsonl)));
          },
          [&](const SourceError& error) { show(view(unreadable(error))); });
    } else {
      // Worker processes, forked now that the pipeline is built (see worker_processes.hpp):
      // this process walks the paths and prints the answers in input order; the workers read
      // the message files themselves.
      std::cout.flush();
      WorkerProcesses workers(
          options->jobs,
          [&](const SourceMessage& source) {
            return encode(classify_one(*pipeline, source, jsonl, max_size));
          },
          [&](std::string_view answer) { show(decode(answer)); },
          [&](const SourceMessage& source, const std::string& reason) {
            ClassifiedMessage lost;
            lost.source = source.name;
            lost.report.kind = classifiers::ReportKind::error;
            lost.error = reason;
            return encode(print(lost, jsonl));
          });
      for_each_message(
          options->paths, max_size,
          [&](SourceMessage&& source) { workers.submit(std::move(source)); },
          [&](const SourceError& error) {
            // In its place among the answers, as -j 1 prints it.
            workers.submit_answered(encode(unreadable(error)));
          },
          false);
      workers.finish();
    }
    if (failed > 0) {
      std::cerr << failed << " message(s) could not be read\n";
      exit_code = exit_code::partial;
    }
  });
}

}  // namespace bounced::daemon::cli
